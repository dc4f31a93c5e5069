package dev.acgs.sandbox.kubernetes;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.SandboxStats;
import dev.acgs.sandbox.runtime.monitor.ViolationLog;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One sandbox pod. Commands run through the pods/exec API (a WebSocket to the kubelet); output is
 * bounded as the request says; a command that outlives its timeout gets the whole pod deleted, as a
 * local sandbox is killed.
 */
final class KubernetesSandbox implements Sandbox {
  private final KubernetesRuntime runtime;
  private final String id;
  private final SandboxSpec spec;
  private final Instant createdAt;
  private final Duration startDuration;
  private final ViolationLog violations = new ViolationLog();
  private final AtomicBoolean closed = new AtomicBoolean();
  volatile boolean gone;

  KubernetesSandbox(KubernetesRuntime runtime, String id, SandboxSpec spec, Instant createdAt, Duration startDuration) {
    this.runtime = runtime;
    this.id = id;
    this.spec = spec;
    this.createdAt = createdAt;
    this.startDuration = startDuration;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public RuntimeKind runtime() {
    return RuntimeKind.KUBERNETES;
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

  /**
   * The exec API has no environment or working directory of its own: both are set by {@code env}
   * and {@code sh -c 'cd DIR && exec "$@"'} in front of the command.
   */
  static List<String> argv(ExecRequest r) {
    List<String> out = new ArrayList<>();
    if (r.workingDir().isPresent()) {
      out.addAll(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", r.workingDir().get()));
    }
    if (!r.env().isEmpty()) {
      out.add("env");
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(r.env()).entrySet()) {
        out.add(e.getKey() + "=" + e.getValue());
      }
    }
    out.addAll(r.argv());
    return out;
  }

  @Override
  public ExecResult exec(ExecRequest request, ExecIo io) {
    if (gone || closed.get()) {
      throw new SandboxFailedException("sandbox " + id + " is gone");
    }
    long t0 = System.nanoTime();
    BoundedOutput out = new BoundedOutput(request.maxOutputBytes(), io.stdout());
    BoundedOutput err = new BoundedOutput(request.maxOutputBytes(), io.stderr());
    var op = runtime.pods().withName(id).inContainer(SandboxPods.CONTAINER);
    ExecWatch watch;
    try {
      watch = (io.stdin().isPresent() ? op.redirectingInput() : op).writingOutput(out).writingError(err)
          .exec(argv(request).toArray(String[]::new));
    } catch (KubernetesClientException e) {
      throw new SandboxFailedException("cannot exec in pod " + id + ": " + e.getMessage(), e);
    }
    try (watch) {
      if (io.stdin().isPresent()) {
        Thread.ofVirtual().name("stdin-" + id).start(() -> copyStdin(io.stdin().get(), watch.getInput()));
      }
      int code;
      Optional<ExecResult.Termination> termination = Optional.empty();
      try {
        code = watch.exitCode().get(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        kill();
        code = 137;
        termination = Optional.of(ExecResult.Termination.TIMEOUT);
      } catch (ExecutionException e) {
        gone = !runtime.exists(id);
        if (!gone) {
          throw new SandboxFailedException("exec in pod " + id + " failed: " + e.getCause().getMessage(), e.getCause());
        }
        code = 137;
        termination = Optional.of(ExecResult.Termination.SANDBOX_DIED);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SandboxFailedException("interrupted while a command ran in " + id, e);
      }
      return new ExecResult(code < 0 ? 1 : code, Optional.empty(), out.bytes(), err.bytes(), out.truncated(),
          err.truncated(), Duration.ofNanos(System.nanoTime() - t0), termination, List.of());
    }
  }

  private static void copyStdin(InputStream in, OutputStream to) {
    try (in; to) {
      in.transferTo(to);
    } catch (IOException e) {
      // the command ended before reading all of its input
    }
  }

  /** Memory and CPU limits from the pod spec; usage needs the metrics API, which is not read (zeros). */
  @Override
  public SandboxStats stats() {
    return new SandboxStats(0, spec.limits().memory().bytes(), Duration.ZERO, 0, 0, 0);
  }

  /**
   * Empty: on Kubernetes, denied calls are seen by the node (gVisor's runtime monitoring configured
   * by deploy/node), not by this client.
   */
  @Override
  public ViolationLog violations() {
    return violations;
  }

  /**
   * The controller's reaper asks this of every sandbox twice a second: while the runtime's watch is
   * open it reports vanished pods, so only without it is the API server asked.
   */
  @Override
  public boolean isAlive() {
    return !gone && !closed.get() && (runtime.watching() || runtime.exists(id));
  }

  @Override
  public void kill() {
    runtime.deletePod(id);
    gone = true;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      runtime.deletePod(id);
      runtime.forget(this);
    }
  }

  @Override
  public String toString() {
    return "pod " + id + " (" + runtime.config().runtimeClass() + ")";
  }
}
