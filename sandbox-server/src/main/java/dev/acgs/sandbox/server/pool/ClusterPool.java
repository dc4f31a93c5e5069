package dev.acgs.sandbox.server.pool;

import dev.acgs.sandbox.core.metrics.SandboxMetrics;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.kubernetes.KubernetesRuntime;
import dev.acgs.sandbox.runtime.Sandbox;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A warm pool on Kubernetes: the warm sandboxes are pods labelled {@code warm} in the cluster, not
 * objects in this process. A claim relabels one under its resourceVersion ({@link
 * KubernetesRuntime#claimWarm}), so several controllers can share a pool and still never hand one
 * pod to two callers; a refill loop keeps the count of warm pods at the template's minimum.
 */
public final class ClusterPool implements SandboxPool {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterPool.class);

  private final Template template;
  private final KubernetesRuntime runtime;
  private final SandboxSpec spec;
  private final SandboxMetrics metrics;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong claimed = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Object wake = new Object();
  private volatile int ready;
  private volatile String lastError = "";
  private final Thread refiller;

  public ClusterPool(Template template, KubernetesRuntime runtime, SandboxMetrics metrics) {
    this.template = template;
    this.runtime = runtime;
    this.metrics = metrics;
    this.spec = SandboxSpec.builder().image(template.image()).limits(template.limits())
        .seccompProfile(template.seccompProfile()).putLabel("pool", template.name()).build();
    this.refiller = Thread.ofVirtual().name("cluster-pool-" + template.name()).start(this::refillLoop);
  }

  @Override
  public Template template() {
    return template;
  }

  @Override
  public Optional<Sandbox> claim() {
    Optional<Sandbox> s = runtime.claimWarm(template.name(), spec);
    s.ifPresent(x -> claimed.incrementAndGet());
    synchronized (wake) {
      wake.notifyAll();
    }
    return s;
  }

  @Override
  public WarmPool.State state() {
    return new WarmPool.State(template.name(), "kubernetes", ready, 0, template.poolMin(), template.poolMax(),
        claimed.get(), failures.get(), lastError);
  }

  private void refillLoop() {
    long backoffMs = 100;
    while (!closed.get()) {
      try {
        ready = runtime.countWarm(template.name());
        if (ready < template.poolMin()) {
          Sandbox s = runtime.prewarmSandbox(spec, template.name());
          metrics.sandboxCreated("kubernetes", template.name(), s.startDuration());
          backoffMs = 100;
          continue;
        }
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        lastError = e.getMessage();
        LOG.warn("cluster pool {}: {}", template.name(), e.getMessage());
        sleep(Duration.ofMillis(backoffMs));
        backoffMs = Math.min(backoffMs * 2, 10_000);
        continue;
      }
      synchronized (wake) {
        try {
          wake.wait(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops refilling and deletes this pool's warm pods. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (wake) {
      wake.notifyAll();
    }
    try {
      refiller.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int n = runtime.deletePool(template.name());
    for (int i = 0; i < n; i++) {
      metrics.sandboxDestroyed("kubernetes", "pool");
    }
  }
}
