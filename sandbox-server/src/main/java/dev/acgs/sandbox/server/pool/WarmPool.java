package dev.acgs.sandbox.server.pool;

import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.PreloadedPython;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes of one template created and started ahead, so that a claim only hands one over.
 *
 * <p>A sandbox leaves the pool exactly once: {@link #claim()} removes it from a concurrent deque,
 * which gives each element to one caller only. A claimed sandbox is never returned: used sandboxes
 * are destroyed, not recycled. A background thread refills the pool to its minimum.
 */
public final class WarmPool implements SandboxPool {
  private static final Logger LOG = LoggerFactory.getLogger(WarmPool.class);

  /** What the API shows of a pool. */
  public record State(String template, String runtime, int ready, int creating, int min, int max, long claimed,
      long failures, String lastError) {}

  private final Template template;
  private final SandboxRuntime runtime;
  private final SandboxSpec spec;
  private final ConcurrentLinkedDeque<Sandbox> ready = new ConcurrentLinkedDeque<>();
  private final AtomicInteger creating = new AtomicInteger();
  private final AtomicLong claimed = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object wake = new Object();
  private volatile String lastError = "";
  private final Thread refiller;

  private final dev.acgs.sandbox.core.metrics.SandboxMetrics metrics;

  public WarmPool(Template template, SandboxRuntime runtime) {
    this(template, runtime, dev.acgs.sandbox.core.metrics.SandboxMetrics.NONE);
  }

  public WarmPool(Template template, SandboxRuntime runtime, dev.acgs.sandbox.core.metrics.SandboxMetrics metrics) {
    this.template = template;
    this.runtime = runtime;
    this.metrics = metrics;
    this.spec = SandboxSpec.builder().image(template.image()).limits(template.limits())
        .seccompProfile(template.seccompProfile()).putLabel("pool", template.name()).build();
    this.refiller = Thread.ofVirtual().name("pool-" + template.name()).start(this::refillLoop);
  }

  @Override
  public Template template() {
    return template;
  }

  @Override
  public Optional<Sandbox> claim() {
    Sandbox s;
    while ((s = ready.pollFirst()) != null) {
      if (s.isAlive()) {
        claimed.incrementAndGet();
        signal();
        return Optional.of(s);
      }
      s.close(); // died while waiting (killed from outside): never hand out a dead one
    }
    signal();
    return Optional.empty();
  }

  @Override
  public State state() {
    return new State(template.name(), runtime.kind().wireName(), ready.size(), creating.get(), template.poolMin(),
        template.poolMax(), claimed.get(), failures.get(), lastError);
  }

  private void signal() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  private void refillLoop() {
    long backoffMs = 100;
    while (!closed.get()) {
      int have = ready.size() + creating.get();
      if (have < template.poolMin() && have < template.poolMax()) {
        creating.incrementAndGet();
        try {
          Sandbox created = runtime.create(spec);
          metrics.sandboxCreated(runtime.kind().wireName(), template.name(), created.startDuration());
          // the first `python3 -c` of a claim finds its interpreter started (PreloadedPython)
          Sandbox s = PreloadedPython.start(created);
          if (closed.get()) {
            s.close();
          } else {
            ready.addLast(s);
          }
          backoffMs = 100;
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          lastError = e.getMessage();
          LOG.warn("warm pool {}: could not create a sandbox: {}", template.name(), e.getMessage());
          sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 10_000);
        } finally {
          creating.decrementAndGet();
        }
        continue;
      }
      synchronized (wake) {
        try {
          wake.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops refilling and destroys every sandbox still in the pool. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    signal();
    try {
      refiller.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<RuntimeException> errors = new ArrayList<>();
    Sandbox s;
    while ((s = ready.pollFirst()) != null) {
      try {
        s.close();
        metrics.sandboxDestroyed(runtime.kind().wireName(), "pool");
      } catch (RuntimeException e) {
        errors.add(e);
      }
    }
    if (!errors.isEmpty()) {
      LOG.warn("warm pool {}: {} sandboxes were not removed cleanly: {}", template.name(), errors.size(),
          errors.getFirst().getMessage());
    }
  }
}
