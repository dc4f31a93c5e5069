package dev.acgs.sandbox.server.service;

import dev.acgs.sandbox.core.metrics.SandboxMetrics;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.Durations;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.NetworkPolicy;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.CommandNotStartedException;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.runtime.image.ImageNotFoundException;
import dev.acgs.sandbox.server.ServerConfig;
import dev.acgs.sandbox.server.api.ApiException;
import dev.acgs.sandbox.server.pool.Template;
import dev.acgs.sandbox.server.pool.WarmPool;
import dev.acgs.sandbox.server.service.SandboxRequest.CommandRequest;
import dev.acgs.sandbox.server.service.SandboxRequest.RunRequest;
import dev.acgs.sandbox.server.store.AuditEvent;
import dev.acgs.sandbox.server.store.SandboxRecord;
import dev.acgs.sandbox.server.store.Store;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's logic, without HTTP: tenants' sandboxes, quotas, warm pools, TTL and idle reaping,
 * crash reconciliation, graceful shutdown. Every state change is saved with its audit event before
 * the caller hears of it.
 */
public final class SandboxService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxService.class);
  static final Map<String, List<String>> LANGUAGES = Map.of(
      "python", List.of("python3", "-c"),
      "sh", List.of("sh", "-c"));

  private final ServerConfig config;
  private final Store store;
  /** By {@link #runtimeKey}: "gvisor", "runc", "kubernetes/gvisor", "kubernetes/kata-firecracker". */
  private final Map<String, SandboxRuntime> runtimes;
  private final Map<String, dev.acgs.sandbox.server.pool.SandboxPool> pools = new ConcurrentHashMap<>();
  private final Map<String, Live> live = new ConcurrentHashMap<>();
  private final Map<String, Integer> reserved = new ConcurrentHashMap<>();
  private final Map<String, Long> reservedMemory = new ConcurrentHashMap<>();
  private final Semaphore createPermits;
  private final ExecutorService destroyer = Executors.newVirtualThreadPerTaskExecutor();
  private final java.util.concurrent.atomic.AtomicInteger destroying = new java.util.concurrent.atomic.AtomicInteger();
  private final AtomicBoolean accepting = new AtomicBoolean(false);
  private final AtomicBoolean closed = new AtomicBoolean();
  private Thread reaper;

  private final SandboxMetrics metrics;
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> ending = new ConcurrentHashMap<>();

  public SandboxService(ServerConfig config, Store store, Map<RuntimeKind, SandboxRuntime> runtimes) {
    this(config, store, runtimes, SandboxMetrics.NONE);
  }

  public SandboxService(ServerConfig config, Store store, Map<RuntimeKind, SandboxRuntime> runtimes, SandboxMetrics metrics) {
    this(config, store, runtimes, Map.of(), metrics);
  }

  /**
   * @param cluster Kubernetes runtimes by RuntimeClass, for templates with {@code runtime: kubernetes}
   */
  public SandboxService(ServerConfig config, Store store, Map<RuntimeKind, SandboxRuntime> runtimes,
      Map<String, SandboxRuntime> cluster, SandboxMetrics metrics) {
    this.metrics = metrics;
    this.config = config;
    this.store = store;
    Map<String, SandboxRuntime> all = new java.util.LinkedHashMap<>();
    runtimes.forEach((k, rt) -> all.put(runtimeKey(k, ""), rt));
    cluster.forEach((rc, rt) -> all.put(runtimeKey(RuntimeKind.KUBERNETES, rc), rt));
    this.runtimes = Map.copyOf(all);
    this.createPermits = new Semaphore(config.maxConcurrentCreates(), true);
  }

  /** Reconciles with the runtimes, starts the warm pools and the reaper, and starts accepting. */
  public void start() {
    for (SandboxRecord r : store.live()) {
      store.save(Optional.of(r.withState("lost", Optional.of("controller restarted"))), "sandbox.lost",
          Optional.of(r.tenant()), Optional.of(r.id()), Map.of("reason", "the controller stopped while it ran"));
    }
    for (SandboxRuntime rt : runtimes.values()) {
      int orphans = rt.reapOrphans();
      if (orphans > 0) {
        metrics.orphansReconciled(rt.kind().wireName(), orphans);
        store.save(Optional.empty(), "reconcile.orphans", Optional.empty(), Optional.empty(),
            Map.of("runtime", rt.kind().wireName(), "removed", orphans));
      }
    }
    for (Template t : config.templates().values()) {
      if (t.poolMin() > 0) {
        SandboxRuntime rt = runtime(t.runtime(), t.runtimeClass());
        pools.put(t.name(), rt instanceof dev.acgs.sandbox.kubernetes.KubernetesRuntime k
            ? new dev.acgs.sandbox.server.pool.ClusterPool(t, k, metrics)
            : new WarmPool(t, rt, metrics));
      }
    }
    reaper = Thread.ofVirtual().name("reaper").start(this::reapLoop);
    accepting.set(true);
    store.save(Optional.empty(), "controller.started", Optional.empty(), Optional.empty(),
        Map.of("templates", config.templates().keySet(), "pools", pools.keySet()));
  }

  /** Sandboxes ended but still being destroyed in the background. */
  public int pendingDestroys() {
    return destroying.get();
  }

  public boolean ready() {
    return accepting.get();
  }

  static String runtimeKey(RuntimeKind k, String runtimeClass) {
    return k == RuntimeKind.KUBERNETES ? "kubernetes/" + (runtimeClass.isEmpty() ? "gvisor" : runtimeClass) : k.wireName();
  }

  private SandboxRuntime runtime(RuntimeKind k, String runtimeClass) {
    SandboxRuntime rt = runtimes.get(runtimeKey(k, runtimeClass));
    if (rt == null) {
      throw ApiException.badRequest("runtime_unavailable", "runtime", "runtime '" + runtimeKey(k, runtimeClass)
          + "' is not enabled on this controller; enabled: " + runtimes.keySet());
    }
    return rt;
  }

  private void requireAccepting() {
    if (!accepting.get()) {
      throw new ApiException(503, "shutting_down", "the controller is shutting down; retry against another instance", null);
    }
  }

  // ---------------------------------------------------------------- create

  public SandboxView create(String tenant, SandboxRequest req) {
    return view(createLive(tenant, req));
  }

  private Live createLive(String tenant, SandboxRequest req) {
    requireAccepting();
    Template template = req.template().map(name -> Optional.ofNullable(config.templates().get(name))
        .orElseThrow(() -> ApiException.badRequest("unknown_template", "template",
            "unknown template '" + name + "': this controller has " + config.templates().keySet())))
        .orElse(null);
    RuntimeKind kind = req.runtime().map(r -> {
      try {
        return RuntimeKind.parse(r);
      } catch (InvalidSpecException e) {
        throw ApiException.badRequest("invalid_value", "runtime", e.getMessage().replaceFirst("^runtime: ", ""));
      }
    }).orElse(template != null ? template.runtime() : config.defaultRuntime());
    ResourceLimits base = template != null ? template.limits() : ResourceLimits.DEFAULT;
    ResourceLimits limits = req.limits().map(l -> l.applyTo(base, "limits")).orElse(base).requireWithin(config.maxima());
    String image = req.image().orElse(template != null ? template.image() : SandboxSpec.DEFAULT_IMAGE);
    String profile = req.seccompProfile().orElse(template != null ? template.seccompProfile() : SandboxSpec.DEFAULT_SECCOMP_PROFILE);
    req.network().ifPresent(n -> NetworkPolicy.parse("network", n));
    Map<String, String> env = req.env().orElse(Map.of());
    Map<String, String> labels = req.labels().orElse(Map.of());
    Duration ttl = req.ttl().map(t -> Durations.parsePositive("ttl", t)).orElse(config.defaultTtl());
    if (ttl.compareTo(config.defaultTtl()) > 0) {
      throw ApiException.badRequest("above_maximum", "ttl", "asks for " + Durations.format(ttl) + "; the maximum is " + Durations.format(config.defaultTtl()));
    }
    Duration idle = req.idleTimeout().map(t -> Durations.parsePositive("idleTimeout", t)).orElse(config.defaultIdleTimeout());
    SandboxSpec spec = SandboxSpec.builder().image(image).limits(limits).seccompProfile(profile).labels(labels)
        .putLabel("tenant", tenant).build();
    SandboxSpec.validateCommandAndEnv(List.of(), env);

    reserve(tenant, limits.memory());
    try {
      long t0 = System.nanoTime();
      boolean poolable = template != null && req.image().isEmpty() && req.runtime().isEmpty() && req.limits().isEmpty()
          && req.seccompProfile().isEmpty();
      Optional<Sandbox> pooled = poolable && pools.containsKey(template.name()) ? pools.get(template.name()).claim() : Optional.empty();
      String runtimeClass = template != null && template.runtime() == kind ? template.runtimeClass() : "";
      Sandbox sandbox = pooled.orElseGet(() -> createFresh(kind, runtimeClass, spec, template));
      double readyMs = pooled.isPresent() ? (System.nanoTime() - t0) / 1e6 : sandbox.startDuration().toNanos() / 1e6;
      if (pooled.isPresent()) {
        metrics.poolClaimed(template.name(), Duration.ofNanos(System.nanoTime() - t0));
      }
      Instant now = Instant.now();
      SandboxRecord record = new SandboxRecord(sandbox.id(), tenant, sandbox.runtime().wireName(),
          Optional.ofNullable(template).map(Template::name), image, "running", limits.memory().bytes(), labels, now, now,
          Optional.of(now.plus(ttl)), Optional.of(idle.toMillis()), Optional.empty());
      Live l = new Live(record, sandbox, env, readyMs, pooled.isPresent());
      sandbox.violations().addListener(v -> {
        metrics.violation(v, policyAction(sandbox.spec().violationPolicy(), v));
        recordViolation(l, v);
      });
      sandbox.violations().addSuppressedListener(v -> {
        metrics.violation(v, policyAction(sandbox.spec().violationPolicy(), v));
        metrics.violationSuppressed(v.runtime());
      });
      try {
        store.save(Optional.of(record), "sandbox.created", Optional.of(tenant), Optional.of(sandbox.id()),
            Map.of("runtime", record.runtime(), "template", record.template().orElse(""), "image", image,
                "fromPool", pooled.isPresent(), "readyMs", readyMs));
      } catch (RuntimeException e) {
        sandbox.close();
        throw e;
      }
      live.put(sandbox.id(), l);
      return l;
    } finally {
      unreserve(tenant, limits.memory());
    }
  }

  /** What the policy did with a violation, as the metrics label it: log, alert or terminate. */
  static String policyAction(dev.acgs.sandbox.core.monitor.ViolationPolicy policy, dev.acgs.sandbox.core.monitor.ViolationEvent v) {
    return switch (policy) {
      case LOG -> "log";
      case ALERT -> "alert";
      case TERMINATE -> v.critical() ? "terminate" : "alert";
    };
  }

  /** Every violation becomes an audit event (the log keeps the first 1000 per sandbox and counts the rest). */
  private void recordViolation(Live l, dev.acgs.sandbox.core.monitor.ViolationEvent v) {
    try {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("syscall", v.syscall());
      data.put("number", v.number());
      data.put("action", v.action());
      data.put("runtime", v.runtime());
      data.put("pid", v.pid());
      data.put("tid", v.tid());
      v.category().ifPresent(c -> data.put("category", c));
      v.severity().ifPresent(sv -> data.put("severity", sv));
      store.save(Optional.empty(), "violation", Optional.of(l.tenant()), Optional.of(l.id()), data);
    } catch (RuntimeException e) {
      LOG.warn("cannot record a violation of {}: {}", l.id(), e.getMessage());
    }
  }

  private Sandbox createFresh(RuntimeKind kind, String runtimeClass, SandboxSpec spec, Template template) {
    try {
      if (!createPermits.tryAcquire(config.shutdownDeadline().toMillis() * 3, TimeUnit.MILLISECONDS)) {
        throw new ApiException(503, "busy", "too many sandboxes are being created; retry shortly", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "interrupted", "interrupted while waiting to create a sandbox", null);
    }
    try {
      Sandbox s = runtime(kind, runtimeClass).create(spec);
      metrics.sandboxCreated(kind.wireName(), template == null ? "" : template.name(), s.startDuration());
      return s;
    } catch (ImageNotFoundException e) {
      throw ApiException.badRequest("unknown_image", "image", e.getMessage());
    } finally {
      createPermits.release();
    }
  }

  /** Counts a sandbox against the tenant's quota before it is created, so concurrent creates cannot overshoot. */
  private synchronized void reserve(String tenant, ByteSize memory) {
    long liveCount = live.values().stream().filter(l -> l.tenant().equals(tenant)).count() + reserved.getOrDefault(tenant, 0);
    long liveMemory = live.values().stream().filter(l -> l.tenant().equals(tenant)).mapToLong(l -> l.record.memoryBytes()).sum()
        + reservedMemory.getOrDefault(tenant, 0L);
    if (liveCount + 1 > config.quota().maxLiveSandboxes()) {
      throw new ApiException(429, "quota_exceeded", "tenant '" + tenant + "' has " + liveCount + " live sandboxes; the quota is "
          + config.quota().maxLiveSandboxes() + ": delete some first", "quota.maxLiveSandboxes");
    }
    if (liveMemory + memory.bytes() > config.quota().maxMemory().bytes()) {
      throw new ApiException(429, "quota_exceeded", "tenant '" + tenant + "' would hold " + ByteSize.ofBytes(liveMemory + memory.bytes())
          + " of sandbox memory; the quota is " + config.quota().maxMemory(), "quota.maxMemory");
    }
    reserved.merge(tenant, 1, Integer::sum);
    reservedMemory.merge(tenant, memory.bytes(), Long::sum);
  }

  private synchronized void unreserve(String tenant, ByteSize memory) {
    reserved.merge(tenant, -1, Integer::sum);
    reservedMemory.merge(tenant, -memory.bytes(), Long::sum);
  }

  // ---------------------------------------------------------------- read, delete

  private Live owned(String tenant, String id) {
    Live l = live.get(id);
    if (l == null || !l.tenant().equals(tenant)) {
      // another tenant's sandbox is indistinguishable from none at all
      throw ApiException.notFound("no sandbox '" + id + "' (list yours with GET /v1/sandboxes)");
    }
    return l;
  }

  public SandboxView get(String tenant, String id) {
    Live l = live.get(id);
    if (l != null && l.tenant().equals(tenant)) {
      return view(l);
    }
    return store.get(id).filter(r -> r.tenant().equals(tenant)).map(r -> view(r, null))
        .orElseThrow(() -> ApiException.notFound("no sandbox '" + id + "' (list yours with GET /v1/sandboxes)"));
  }

  public List<SandboxView> list(String tenant, Optional<String> labelFilter) {
    Optional<String[]> kv = labelFilter.map(f -> {
      int eq = f.indexOf('=');
      if (eq <= 0) {
        throw ApiException.badRequest("invalid_value", "label", "label filter '" + f + "' must be KEY=VALUE");
      }
      return new String[] {f.substring(0, eq), f.substring(eq + 1)};
    });
    return live.values().stream()
        .filter(l -> l.tenant().equals(tenant))
        .filter(l -> kv.map(p -> p[1].equals(l.record.labels().get(p[0]))).orElse(true))
        .sorted(Comparator.comparing(l -> l.record.createdAt()))
        .map(this::view)
        .toList();
  }

  public void delete(String tenant, String id) {
    end(owned(tenant, id), "deleted", "user");
  }

  /**
   * Ends a sandbox: saves the state change with its event, then destroys it in the background.
   * Idempotent: the second caller finds it already ending.
   */
  void end(Live l, String state, String reason) {
    if (!l.ending.compareAndSet(false, true)) {
      return;
    }
    l.record = l.record.withState(state, Optional.of(reason));
    try {
      store.save(Optional.of(l.record), "sandbox." + state, Optional.of(l.tenant()), Optional.of(l.id()),
          Map.of("reason", reason));
    } finally {
      live.remove(l.id());
      metrics.sandboxTerminated(reason);
      destroying.incrementAndGet();
      var endingHere = ending.computeIfAbsent(l.record.runtime(), k -> new java.util.concurrent.atomic.AtomicInteger());
      endingHere.incrementAndGet();
      destroyer.submit(() -> {
        try {
          l.sandbox.close();
          metrics.sandboxDestroyed(l.record.runtime(), reason);
        } catch (RuntimeException e) {
          LOG.warn("sandbox {} was not removed cleanly: {}", l.id(), e.getMessage());
        } finally {
          endingHere.decrementAndGet();
          destroying.decrementAndGet();
        }
      });
    }
  }

  // ---------------------------------------------------------------- exec, run, files

  public ExecView exec(String tenant, String id, CommandRequest req, ExecIo io) {
    requireAccepting();
    Live l = owned(tenant, id);
    return execIn(l, req, io);
  }

  private ExecView execIn(Live l, CommandRequest req, ExecIo io) {
    List<String> argv = argv(req.argv(), req.code(), req.language());
    Duration timeout = req.timeout().map(t -> Durations.parsePositive("timeout", t)).orElse(l.sandbox.spec().limits().timeout());
    if (timeout.compareTo(config.maxima().timeout()) > 0) {
      throw ApiException.badRequest("above_maximum", "timeout", "asks for " + Durations.format(timeout)
          + "; the maximum is " + Durations.format(config.maxima().timeout()));
    }
    Map<String, String> env = new LinkedHashMap<>(l.env);
    env.putAll(req.env().orElse(Map.of()));
    ExecRequest er = new ExecRequest(argv, env, req.workingDir(), timeout, req.maxOutputBytes().orElse(ExecRequest.DEFAULT_MAX_OUTPUT));
    if (req.stdin().isPresent()) {
      io = io.withStdin(new ByteArrayInputStream(req.stdin().get().getBytes(StandardCharsets.UTF_8)));
    }
    l.inFlight.incrementAndGet();
    ExecResult r;
    try {
      r = l.sandbox.exec(er, io);
    } catch (CommandNotStartedException e) {
      throw ApiException.badRequest("command_not_started", "argv", e.getMessage());
    } finally {
      l.lastUsedNanos = System.nanoTime();
      l.inFlight.decrementAndGet();
    }
    metrics.execFinished(l.record.runtime(), r.duration());
    if (r.termination().isPresent()) {
      end(l, "killed", terminationReason(r.termination().get()));
    }
    return new ExecView(r.exitCode(), r.signal().orElse(null), r.stdoutText(), r.stderrText(), r.stdoutTruncated(),
        r.stderrTruncated(), r.duration().toNanos() / 1e6,
        r.termination().map(t -> t.name().toLowerCase(java.util.Locale.ROOT)).orElse(null),
        r.violations().stream().map(SandboxService::violationView).toList(), l.id());
  }

  static String terminationReason(ExecResult.Termination t) {
    return t == ExecResult.Termination.SANDBOX_DIED ? "died" : t.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** Live sandboxes by runtime and state, for the sandbox_live gauge. */
  public List<dev.acgs.sandbox.server.metrics.PrometheusMetrics.LiveCount> liveCounts() {
    List<dev.acgs.sandbox.server.metrics.PrometheusMetrics.LiveCount> out = new ArrayList<>();
    for (String rt : runtimes.keySet().stream().map(k -> k.replaceFirst("/.*", "")).distinct().toList()) {
      out.add(new dev.acgs.sandbox.server.metrics.PrometheusMetrics.LiveCount(rt, "running",
          live.values().stream().filter(l -> l.record.runtime().equals(rt)).count()));
      out.add(new dev.acgs.sandbox.server.metrics.PrometheusMetrics.LiveCount(rt, "pooled",
          pools.values().stream().map(dev.acgs.sandbox.server.pool.SandboxPool::state).filter(p -> p.runtime().equals(rt)).mapToLong(WarmPool.State::ready).sum()));
      out.add(new dev.acgs.sandbox.server.metrics.PrometheusMetrics.LiveCount(rt, "ending",
          Optional.ofNullable(ending.get(rt)).map(java.util.concurrent.atomic.AtomicInteger::get).orElse(0)));
    }
    return out;
  }

  /** Every warm pool's ready and target sizes, for the pool gauges. */
  public List<dev.acgs.sandbox.server.metrics.PrometheusMetrics.PoolSize> poolSizes() {
    return pools.values().stream().map(dev.acgs.sandbox.server.pool.SandboxPool::state)
        .map(p -> new dev.acgs.sandbox.server.metrics.PrometheusMetrics.PoolSize(p.template(), p.ready(), p.min())).toList();
  }

  static Map<String, Object> violationView(dev.acgs.sandbox.core.monitor.ViolationEvent v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sandboxId", v.sandboxId());
    m.put("syscall", v.syscall());
    m.put("number", v.number());
    m.put("action", v.action());
    m.put("pid", v.pid());
    m.put("tid", v.tid());
    v.category().ifPresent(c -> m.put("category", c));
    v.severity().ifPresent(s -> m.put("severity", s));
    m.put("time", v.time().toString());
    return m;
  }

  static List<String> argv(Optional<List<String>> argv, Optional<String> code, Optional<String> language) {
    if (argv.isPresent() && (code.isPresent() || language.isPresent())) {
      throw ApiException.badRequest("conflicting_fields", "argv", "give either argv, or code and language, not both");
    }
    if (argv.isPresent()) {
      if (argv.get().isEmpty()) {
        throw ApiException.badRequest("invalid_value", "argv", "argv must name a program to run");
      }
      return argv.get();
    }
    if (code.isEmpty()) {
      throw ApiException.badRequest("missing_field", "argv", "give argv (a program and its arguments), or code and language");
    }
    String lang = language.orElse("python");
    List<String> prefix = LANGUAGES.get(lang);
    if (prefix == null) {
      throw ApiException.badRequest("unknown_language", "language", "unknown language '" + lang + "': supported are "
          + LANGUAGES.keySet().stream().sorted().toList());
    }
    List<String> out = new ArrayList<>(prefix);
    out.add(code.get());
    return out;
  }

  /** One-shot execution: a sandbox from the pool (or a new one), one command, then the sandbox is destroyed. */
  public ExecView run(String tenant, RunRequest req) {
    requireAccepting();
    argv(req.argv(), req.code(), req.language()); // refuse bad commands before creating anything
    SandboxRequest sr = req.sandbox();
    if (sr.template().isEmpty() && sr.image().isEmpty() && sr.runtime().isEmpty() && sr.limits().isEmpty()
        && sr.seccompProfile().isEmpty() && config.templates().containsKey("python")) {
      sr = new SandboxRequest(Optional.of("python"), sr.image(), sr.runtime(), sr.limits(), sr.env(), sr.network(),
          sr.seccompProfile(), sr.ttl(), sr.idleTimeout(), sr.labels());
    }
    Live l = createLive(tenant, sr);
    try {
      return execIn(l, req.command(), ExecIo.NONE);
    } finally {
      end(l, "deleted", "run-finished");
    }
  }

  private static final String FILE_CHECK = """
      p="$1"; mode="$2"
      case "$p" in /tmp/*) ;; *) echo "path must be under /tmp" >&2; exit 40 ;; esac
      if [ -L "$p" ]; then echo "path is a symbolic link" >&2; exit 41; fi
      dir=$(readlink -f -- "$(dirname -- "$p")") || exit 42
      case "$dir/" in /tmp/*) ;; *) echo "path leads out of /tmp" >&2; exit 41 ;; esac
      if [ "$mode" = get ]; then
        [ -f "$p" ] || { echo "no such file" >&2; exit 44; }
        exec cat -- "$p"
      fi
      exec cat > "$p"
      """;

  public void putFile(String tenant, String id, String path, byte[] content) {
    requireAccepting();
    checkPath(path);
    if (content.length > config.maxFileBytes()) {
      throw new ApiException(413, "too_large", "file of " + content.length + " bytes; the maximum is " + config.maxFileBytes(), "body");
    }
    Live l = owned(tenant, id);
    ExecResult r = fileOp(l, path, "put", content);
    fileError(r, path);
  }

  public byte[] getFile(String tenant, String id, String path) {
    requireAccepting();
    checkPath(path);
    Live l = owned(tenant, id);
    ExecResult r = fileOp(l, path, "get", new byte[0]);
    fileError(r, path);
    if (r.stdoutTruncated()) {
      throw new ApiException(413, "too_large", path + " is larger than " + config.maxFileBytes() + " bytes", "path");
    }
    return r.stdout();
  }

  private ExecResult fileOp(Live l, String path, String mode, byte[] content) {
    l.inFlight.incrementAndGet();
    try {
      return l.sandbox.exec(new ExecRequest(List.of("sh", "-c", FILE_CHECK, "sh", path, mode), Map.of(), Optional.empty(),
          Duration.ofSeconds(30), config.maxFileBytes()), ExecIo.NONE.withStdin(new ByteArrayInputStream(content)));
    } finally {
      l.lastUsedNanos = System.nanoTime();
      l.inFlight.decrementAndGet();
    }
  }

  private static void fileError(ExecResult r, String path) {
    switch (r.exitCode()) {
      case 0 -> { }
      case 40, 41, 42 -> throw ApiException.badRequest("path_refused", "path", "'" + path + "' refused: " + r.stderrText().strip()
          + "; files live under /tmp and links out of it are not followed");
      case 44 -> throw ApiException.notFound("no file '" + path + "' in the sandbox");
      default -> throw new ApiException(500, "file_failed", "file operation on '" + path + "' failed: " + r.stderrText().strip(), "path");
    }
  }

  static void checkPath(String path) {
    if (path == null || path.isEmpty()) {
      throw ApiException.badRequest("missing_field", "path", "give ?path=/tmp/NAME");
    }
    if (path.length() > 4096 || path.indexOf('\0') >= 0 || !path.startsWith("/tmp/")) {
      throw ApiException.badRequest("path_refused", "path", "'" + path + "' refused: files live under /tmp (an absolute path /tmp/...)");
    }
    for (String part : path.split("/")) {
      if (part.equals("..") || part.equals(".")) {
        throw ApiException.badRequest("path_refused", "path", "'" + path + "' refused: '.' and '..' are not allowed");
      }
    }
  }

  // ---------------------------------------------------------------- events, pools, views

  public List<AuditEvent> events(String tenant, long since, Optional<String> type, int limit) {
    if (limit < 1 || limit > 1000) {
      throw ApiException.badRequest("invalid_value", "limit", "limit must be 1..1000 (got " + limit + ")");
    }
    return store.events(Optional.of(tenant), since, type, limit);
  }

  public List<WarmPool.State> pools() {
    return pools.values().stream().map(dev.acgs.sandbox.server.pool.SandboxPool::state).sorted(Comparator.comparing(WarmPool.State::template)).toList();
  }

  private SandboxView view(Live l) {
    return view(l.record, l);
  }

  private SandboxView view(SandboxRecord r, Live l) {
    return new SandboxView(r.id(), r.state(), r.runtime(), r.template().orElse(null), r.image(), r.labels(), r.createdAt(),
        r.expiresAt().orElse(null), r.idleTimeoutMs().orElse(null), r.reason().orElse(null),
        l == null ? null : new SandboxView.Timings(l.readyMs, l.fromPool));
  }

  // ---------------------------------------------------------------- reaper, shutdown

  private void reapLoop() {
    while (!closed.get()) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
      Instant now = Instant.now();
      for (Live l : List.copyOf(live.values())) {
        try {
          if (l.record.expiresAt().map(now::isAfter).orElse(false)) {
            end(l, "expired", "ttl");
          } else if (l.inFlight.get() == 0 && l.record.idleTimeoutMs().isPresent()
              && System.nanoTime() - l.lastUsedNanos > l.record.idleTimeoutMs().get() * 1_000_000) {
            end(l, "expired", "idle");
          } else if (l.inFlight.get() == 0 && !l.sandbox.isAlive()) {
            end(l, "lost", "died");
          }
        } catch (RuntimeException e) {
          LOG.warn("reaper: {}", e.getMessage());
        }
      }
    }
  }

  /**
   * Graceful shutdown: stop accepting, let running commands finish until the deadline, then
   * destroy every sandbox (tenants' and pooled) and wait for the destroys.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    accepting.set(false);
    long deadline = System.nanoTime() + config.shutdownDeadline().toNanos();
    while (System.nanoTime() < deadline && live.values().stream().anyMatch(l -> l.inFlight.get() > 0)) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (reaper != null) {
      reaper.interrupt();
    }
    for (Live l : List.copyOf(live.values())) {
      try {
        end(l, "deleted", "shutdown");
      } catch (RuntimeException e) {
        LOG.warn("shutdown: {}", e.getMessage());
      }
    }
    pools.values().forEach(dev.acgs.sandbox.server.pool.SandboxPool::close);
    destroyer.shutdown();
    try {
      if (!destroyer.awaitTermination(2, TimeUnit.MINUTES)) {
        LOG.warn("shutdown: sandboxes were still being destroyed after 2 minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      store.save(Optional.empty(), "controller.stopped", Optional.empty(), Optional.empty(), Map.of());
    } catch (RuntimeException e) {
      LOG.warn("shutdown: {}", e.getMessage());
    }
  }
}
