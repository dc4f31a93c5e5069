package dev.acgs.sandbox.server.metrics;

import dev.acgs.sandbox.core.metrics.SandboxMetrics;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The controller's metrics in a Prometheus registry of their own, with the JVM's. The catalogue is
 * docs/metrics.md; a test keeps the two equal. Series an alert must see go from 0 to 1 (the
 * catalogue's violations, terminations) are created at 0 up front: {@code increase()} cannot see the
 * first increment of a series that appears with it.
 */
public final class PrometheusMetrics implements SandboxMetrics {
  /** 10 ms to 500 ms finely (the SLOs are 100 ms for gVisor, 200 ms for Kata), then coarse to 10 s. */
  static final double[] COLD_START_BUCKETS = {0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5,
      0.75, 1, 2.5, 5, 10};
  static final double[] CLAIM_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
  static final double[] EXEC_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  static final double[] AUDIT_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
  static final List<String> TERMINATION_REASONS = List.of("timeout", "oom", "pids-limit", "policy-violation", "ttl", "idle",
      "user", "died");
  static final List<String> ACTIONS = List.of("log", "alert", "terminate");

  /** Live sandboxes by runtime and state (running, pooled, ending), read at each scrape. */
  public record LiveCount(String runtime, String state, long count) {}

  /** A warm pool's ready and target sizes, read at each scrape. */
  public record PoolSize(String template, long ready, long target) {}

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final Counter created;
  private final Counter destroyed;
  private final Counter terminations;
  private final Histogram coldStart;
  private final Histogram claim;
  private final Histogram exec;
  private final Counter violations;
  private final Counter suppressed;
  private final Counter apiRequests;
  private final Histogram auditWrite;
  private final Counter orphans;

  private volatile Supplier<List<LiveCount>> live = List::of;
  private volatile Supplier<List<PoolSize>> pools = List::of;

  /** Where the live and pool gauges read their values at each scrape. */
  public void observe(Supplier<List<LiveCount>> liveCounts, Supplier<List<PoolSize>> poolSizes) {
    this.live = liveCounts;
    this.pools = poolSizes;
  }

  /** Metrics for these runtimes and pool templates; their series are created at 0 up front. */
  public PrometheusMetrics(Collection<String> runtimes, Collection<String> templates) {
    created = Counter.builder().name("sandbox_created_total").help("Sandboxes created cold (pool refills included)")
        .labelNames("runtime", "template").register(registry);
    destroyed = Counter.builder().name("sandbox_destroyed_total").help("Sandboxes destroyed, by why")
        .labelNames("runtime", "reason").register(registry);
    terminations = Counter.builder().name("sandbox_terminations_total")
        .help("Tenants' sandboxes ended, by why: timeout, oom, pids-limit, policy-violation, ttl, idle, user, died")
        .labelNames("reason").register(registry);
    GaugeWithCallback.builder().name("sandbox_live").help("Sandboxes alive now: running (a tenant's), pooled (warm), ending")
        .labelNames("runtime", "state")
        .callback(cb -> live.get().forEach(l -> cb.call(l.count(), l.runtime(), l.state()))).register(registry);
    coldStart = Histogram.builder().name("sandbox_cold_start_seconds").help("Create to ready of a new sandbox")
        .labelNames("runtime").classicOnly().classicUpperBounds(COLD_START_BUCKETS).register(registry);
    claim = Histogram.builder().name("sandbox_claim_seconds").help("Claim of a warm sandbox to ready")
        .labelNames("template").classicOnly().classicUpperBounds(CLAIM_BUCKETS).register(registry);
    exec = Histogram.builder().name("sandbox_exec_seconds").help("A command's run inside a sandbox, start to end")
        .labelNames("runtime").classicOnly().classicUpperBounds(EXEC_BUCKETS).register(registry);
    GaugeWithCallback.builder().name("sandbox_pool_ready").help("Warm sandboxes ready to be claimed")
        .labelNames("template").callback(cb -> pools.get().forEach(p -> cb.call(p.ready(), p.template()))).register(registry);
    GaugeWithCallback.builder().name("sandbox_pool_target").help("Warm sandboxes the pool keeps ready (its minimum)")
        .labelNames("template").callback(cb -> pools.get().forEach(p -> cb.call(p.target(), p.template()))).register(registry);
    violations = Counter.builder().name("sandbox_syscall_violations_total")
        .help("System calls a sandbox's seccomp profile denied; action is what the policy did: log, alert, terminate")
        .labelNames("runtime", "syscall", "category", "severity", "action").register(registry);
    suppressed = Counter.builder().name("sandbox_monitor_events_suppressed_total")
        .help("Violation events counted but not kept, from sandboxes past their first 1000").labelNames("runtime")
        .register(registry);
    apiRequests = Counter.builder().name("sandbox_api_requests_total").help("HTTP API requests by route pattern and status")
        .labelNames("method", "route", "status").register(registry);
    auditWrite = Histogram.builder().name("sandbox_audit_write_seconds").help("Durable write of one audit event")
        .classicOnly().classicUpperBounds(AUDIT_BUCKETS).register(registry);
    orphans = Counter.builder().name("sandbox_reconcile_orphans_total")
        .help("Sandboxes found on the host without a live owner, and removed").labelNames("runtime").register(registry);
    JvmMetrics.builder().register(registry);

    TERMINATION_REASONS.forEach(r -> terminations.labelValues(r));
    templates.forEach(t -> claim.labelValues(t));
    for (String rt : runtimes) {
      suppressed.labelValues(rt);
      orphans.labelValues(rt);
      exec.labelValues(rt);
      coldStart.labelValues(rt);
      created.labelValues(rt, "");
      templates.forEach(t -> created.labelValues(rt, t));
      TERMINATION_REASONS.forEach(r -> destroyed.labelValues(rt, r));
      for (DangerousSyscalls.Entry e : DangerousSyscalls.all()) {
        for (String action : ACTIONS) {
          if (!action.equals("terminate") || e.severity() == DangerousSyscalls.Severity.CRITICAL) {
            violations.labelValues(rt, e.syscall(), e.category().label(), e.severity().label(), action);
          }
        }
      }
    }
  }

  @Override
  public void sandboxCreated(String runtime, String template, Duration start) {
    created.labelValues(runtime, template).inc();
    coldStart.labelValues(runtime).observe(seconds(start));
  }

  @Override
  public void sandboxDestroyed(String runtime, String reason) {
    destroyed.labelValues(runtime, reason).inc();
  }

  @Override
  public void sandboxTerminated(String reason) {
    terminations.labelValues(reason).inc();
  }

  @Override
  public void poolClaimed(String template, Duration took) {
    claim.labelValues(template).observe(seconds(took));
  }

  @Override
  public void execFinished(String runtime, Duration took) {
    exec.labelValues(runtime).observe(seconds(took));
  }

  @Override
  public void violation(ViolationEvent e, String action) {
    violations.labelValues(e.runtime(), e.syscall(), e.category().orElse("uncatalogued"), e.severity().orElse("none"), action)
        .inc();
  }

  @Override
  public void violationSuppressed(String runtime) {
    suppressed.labelValues(runtime).inc();
  }

  @Override
  public void apiRequest(String method, String route, int status) {
    apiRequests.labelValues(method, route, Integer.toString(status)).inc();
  }

  @Override
  public void auditWritten(Duration took) {
    auditWrite.observe(seconds(took));
  }

  @Override
  public void orphansReconciled(String runtime, int count) {
    orphans.labelValues(runtime).inc(count);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  /** Writes every metric in the format the Accept header asks for (OpenMetrics or Prometheus text); returns its content type. */
  public String scrape(String acceptHeader, OutputStream out) throws IOException {
    ExpositionFormatWriter w = formats.findWriter(acceptHeader);
    w.write(out, registry.scrape());
    return w.getContentType();
  }

  /** The content type {@link #scrape} will answer with for this Accept header. */
  public String contentType(String acceptHeader) {
    return formats.findWriter(acceptHeader).getContentType();
  }
}
