package dev.acgs.sandbox.core.model;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * What one command did.
 *
 * @param exitCode the exit status, or 128 + signal when a signal ended it (as a shell reports it)
 * @param signal the signal that ended it, if one did
 * @param stdout captured standard output, at most the request's bound
 * @param stderr captured standard error, at most the request's bound
 * @param stdoutTruncated more stdout was produced than was kept
 * @param stderrTruncated more stderr was produced than was kept
 * @param duration from the request reaching the sandbox to the process's end
 * @param termination why the sandbox ended the command, if it was not the command's own doing
 * @param violations calls the seccomp profile denied in the sandbox while the command ran
 */
public record ExecResult(
    int exitCode,
    Optional<Integer> signal,
    byte[] stdout,
    byte[] stderr,
    boolean stdoutTruncated,
    boolean stderrTruncated,
    Duration duration,
    Optional<Termination> termination,
    java.util.List<dev.acgs.sandbox.core.monitor.ViolationEvent> violations) {

  public ExecResult {
    violations = java.util.List.copyOf(violations);
  }

  /** Why a sandbox stopped a command. */
  public enum Termination {
    /** The wall-clock timeout passed; the sandbox was killed. */
    TIMEOUT,
    /** The memory limit was reached; the kernel's OOM killer ended a process. */
    OOM,
    /** The process limit was reached and the sandbox died of it (gVisor's Sentry cannot run without threads). */
    PIDS_LIMIT,
    /** A critical call was attempted and the policy is terminate: the sandbox was killed. */
    POLICY_VIOLATION,
    /** The sandbox died under the command (killed from outside, or its runtime failed). */
    SANDBOX_DIED
  }

  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }

  public boolean timedOut() {
    return termination.filter(t -> t == Termination.TIMEOUT).isPresent();
  }

  public boolean oomKilled() {
    return termination.filter(t -> t == Termination.OOM).isPresent();
  }
}
