package dev.acgs.sandbox.runtime;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import java.time.Duration;
import java.time.Instant;

/** A running sandbox. {@link #close()} destroys it and everything it used; it is idempotent. */
public interface Sandbox extends AutoCloseable {

  String id();

  RuntimeKind runtime();

  /** The spec it was launched with, unchangeable. */
  SandboxSpec spec();

  Instant createdAt();

  /** From the create call to the sandbox agent's first answer. */
  Duration startDuration();

  /** Where the start's time went, phase by phase, when the runtime records it (local OCI runtimes do). */
  default java.util.Optional<StartPhases> startPhases() {
    return java.util.Optional.empty();
  }

  /** Runs one command to its end, with output bounded as the request says. */
  default ExecResult exec(ExecRequest request) {
    return exec(request, ExecIo.NONE);
  }

  /**
   * Runs one command, feeding it {@code io}'s stdin and handing output chunks to {@code io}'s
   * listeners as they arrive. When the request's timeout passes, the whole sandbox is killed and the
   * result says {@link ExecResult.Termination#TIMEOUT}.
   */
  ExecResult exec(ExecRequest request, ExecIo io);

  SandboxStats stats();

  /** The calls this sandbox's seccomp profile denied, as its runtime reported them; add a listener to hear of new ones. */
  dev.acgs.sandbox.runtime.monitor.ViolationLog violations();

  /**
   * In learn mode ({@link RuntimeConfig#recordSyscalls()}), the names of the calls made inside this
   * sandbox so far; empty when the runtime does not record.
   */
  default java.util.Optional<java.util.SortedSet<String>> recordedSyscalls() {
    return java.util.Optional.empty();
  }

  boolean isAlive();

  /** Kills every process in the sandbox; the sandbox stays until {@link #close()}. */
  void kill();

  @Override
  void close();
}
