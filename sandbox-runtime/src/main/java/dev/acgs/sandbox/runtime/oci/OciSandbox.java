package dev.acgs.sandbox.runtime.oci;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.oci.Hardening;
import dev.acgs.sandbox.runtime.CommandNotStartedException;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.SandboxStats;
import dev.acgs.sandbox.runtime.StartPhases;
import dev.acgs.sandbox.runtime.agent.AgentConnection;
import dev.acgs.sandbox.runtime.cgroup.Cgroups;
import dev.acgs.sandbox.runtime.monitor.ViolationLog;
import dev.acgs.sandbox.runtime.monitor.ViolationWatch;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.monitor.ViolationPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** A sandbox on a local OCI runtime, reached through its agent. */
final class OciSandbox implements Sandbox {
  private final OciRuntime runtime;
  private final String id;
  private final SandboxSpec spec;
  private final Instant createdAt;
  private final Duration startDuration;
  private final AgentConnection agent;
  private final ViolationLog violations;
  private final Optional<ViolationWatch> watch;
  private volatile Optional<ViolationEvent> terminatedBy = Optional.empty();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean killed;
  private volatile Optional<StartPhases> startPhases = Optional.empty();

  OciSandbox(OciRuntime runtime, String id, SandboxSpec spec, Instant createdAt, Duration startDuration,
      AgentConnection agent, ViolationLog violations, Optional<ViolationWatch> watch) {
    this.runtime = runtime;
    this.id = id;
    this.spec = spec;
    this.createdAt = createdAt;
    this.startDuration = startDuration;
    this.agent = agent;
    this.violations = violations;
    this.watch = watch;
    if (spec.violationPolicy() == ViolationPolicy.TERMINATE) {
      // suppressed events too: a flood of harmless calls must not hide a critical one from the policy
      violations.addListener(this::enforce);
      violations.addSuppressedListener(this::enforce);
    }
  }

  /** The terminate policy: a critical call kills the whole sandbox (off the reporting thread). */
  private void enforce(ViolationEvent e) {
    if (e.critical() && terminatedBy.isEmpty() && !closed.get()) {
      terminatedBy = Optional.of(e);
      Thread.ofVirtual().name("terminate-" + id).start(() -> {
        try {
          kill();
        } catch (RuntimeException ignored) {
          // already gone
        }
      });
    }
  }

  /** The critical violation the terminate policy killed this sandbox for, if it did. */
  public Optional<ViolationEvent> terminatedBy() {
    return terminatedBy;
  }

  @Override
  public Optional<java.util.SortedSet<String>> recordedSyscalls() {
    return runtime.recordedSyscalls(runtime.bundleOf(id));
  }

  @Override
  public ViolationLog violations() {
    return violations;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public RuntimeKind runtime() {
    return runtime.kind();
  }

  @Override
  public SandboxSpec spec() {
    return spec;
  }

  @Override
  public Instant createdAt() {
    return createdAt;
  }

  @Override
  public Duration startDuration() {
    return startDuration;
  }

  void recordStart(StartPhases phases) {
    startPhases = Optional.of(phases);
  }

  @Override
  public Optional<StartPhases> startPhases() {
    return startPhases;
  }

  @Override
  public boolean isAlive() {
    return !killed && !closed.get() && agent.isOpen();
  }

  @Override
  public SandboxStats stats() {
    return Cgroups.stats(OciRuntime.cgroupsPath(id));
  }

  @Override
  public ExecResult exec(ExecRequest request, ExecIo io) {
    if (!isAlive()) {
      throw new SandboxFailedException("sandbox " + id + " is not running (it was killed, timed out or removed)");
    }
    Cgroups.LimitEvents before = Cgroups.limitEvents(OciRuntime.cgroupsPath(id));
    int violationMark = violations.mark();
    Map<String, String> env = new LinkedHashMap<>(spec.env());
    env.putAll(request.env());
    Pending pending = new Pending(request.maxOutputBytes(), io);
    long t0 = System.nanoTime();
    int execId = agent.start(request.argv(), Hardening.environment(env),
        request.workingDir().orElse(spec.workingDir()), request.maxOutputBytes(), pending);
    Thread feeder = null;
    if (io.stdin().isPresent()) {
      InputStream stdin = io.stdin().get();
      feeder = Thread.ofVirtual().name("stdin-" + id).start(() -> {
        try {
          agent.feed(execId, stdin);
        } catch (IOException e) {
          agent.closeStdin(execId);
        }
      });
    } else {
      agent.closeStdin(execId);
    }
    Optional<ExecResult.Termination> termination = Optional.empty();
    try {
      if (!pending.done.await(request.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        termination = Optional.of(ExecResult.Termination.TIMEOUT);
        kill();
        if (!pending.done.await(10, TimeUnit.SECONDS)) {
          throw new SandboxFailedException("sandbox " + id + " did not stop within 10 s of being killed");
        }
      }
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
      throw new SandboxFailedException("interrupted while running a command in sandbox " + id, e);
    } finally {
      if (feeder != null) {
        feeder.interrupt();
      }
    }
    Duration duration = Duration.ofNanos(System.nanoTime() - t0);
    watch.ifPresent(ViolationWatch::drain);
    if (pending.failure != null) {
      throw new CommandNotStartedException(pending.failure);
    }
    int exitCode = pending.exitCode;
    Optional<Integer> signal = pending.signal > 0 ? Optional.of(pending.signal) : Optional.empty();
    if (termination.isEmpty() && terminatedBy.isPresent()) {
      // the command may have ended on its own just before the kill landed: the sandbox is gone either way
      termination = Optional.of(ExecResult.Termination.POLICY_VIOLATION);
    }
    if (termination.isEmpty() && (pending.lost != null || pending.signal == 9)) {
      Cgroups.LimitEvents after = Cgroups.limitEvents(OciRuntime.cgroupsPath(id));
      if (after.oomKills() > before.oomKills()) {
        termination = Optional.of(ExecResult.Termination.OOM);
      } else if (pending.lost != null && after.pidsLimitHits() > before.pidsLimitHits()) {
        termination = Optional.of(ExecResult.Termination.PIDS_LIMIT);
      } else if (pending.lost != null) {
        termination = Optional.of(ExecResult.Termination.SANDBOX_DIED);
      }
    }
    if (pending.lost != null) {
      exitCode = 137;
      signal = Optional.of(9);
    }
    return new ExecResult(exitCode, signal, pending.out.toByteArray(), pending.err.toByteArray(),
        pending.outTruncated, pending.errTruncated, duration, termination, violations.since(violationMark));
  }

  @Override
  public void kill() {
    killed = true;
    runtime.killContainer(id);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      killed = true;
      try {
        runtime.destroy(id);
      } finally {
        agent.close();
        watch.ifPresent(ViolationWatch::close);
      }
    }
  }

  @Override
  public String toString() {
    return "sandbox " + id + " (" + runtime.kind() + ")";
  }

  /** Collects one command's output, bounded, and its end. */
  private static final class Pending implements AgentConnection.Listener {
    final long max;
    final ExecIo io;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final CountDownLatch done = new CountDownLatch(1);
    volatile boolean outTruncated;
    volatile boolean errTruncated;
    volatile int exitCode = -1;
    volatile int signal;
    volatile String failure;
    volatile String lost;

    Pending(long max, ExecIo io) {
      this.max = max;
      this.io = io;
    }

    @Override
    public void started(int pid) {}

    @Override
    public void stdout(byte[] chunk) {
      byte[] kept = keep(out, chunk);
      outTruncated |= kept.length < chunk.length;
      if (kept.length > 0) {
        io.stdout().accept(kept);
      }
    }

    @Override
    public void stderr(byte[] chunk) {
      byte[] kept = keep(err, chunk);
      errTruncated |= kept.length < chunk.length;
      if (kept.length > 0) {
        io.stderr().accept(kept);
      }
    }

    /** The part of {@code chunk} within the bound. The agent bounds output too; this holds even if it was subverted. */
    private byte[] keep(ByteArrayOutputStream buf, byte[] chunk) {
      long room = Math.max(0, max - buf.size());
      byte[] kept = room >= chunk.length ? chunk : java.util.Arrays.copyOf(chunk, (int) room);
      buf.writeBytes(kept);
      return kept;
    }

    @Override
    public void exited(int code, int sig, boolean outTrunc, boolean errTrunc) {
      exitCode = code;
      signal = sig;
      outTruncated |= outTrunc;
      errTruncated |= errTrunc;
      done.countDown();
    }

    @Override
    public void failed(String message) {
      failure = message;
      done.countDown();
    }

    @Override
    public void lost(String why) {
      lost = why;
      done.countDown();
    }
  }
}
