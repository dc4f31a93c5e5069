package dev.acgs.sandbox.server;

import dev.acgs.sandbox.server.metrics.PrometheusMetrics;
import dev.acgs.sandbox.runtime.RuntimeConfig;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.server.api.ApiServer;
import dev.acgs.sandbox.server.api.TokenStore;
import dev.acgs.sandbox.server.service.SandboxService;
import dev.acgs.sandbox.server.store.Store;
import io.javalin.Javalin;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sandbox Controller: store, runtimes, service and HTTP API wired together. {@link #start} binds
 * and returns once the API answers; {@link #close} shuts down gracefully and is idempotent.
 */
public final class ControllerServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerServer.class);

  private final ServerConfig config;
  private final Store store;
  private final Map<RuntimeKind, SandboxRuntime> runtimes;
  private final SandboxService service;
  private final Javalin http;
  private final ApiServer api;
  private final PrometheusMetrics metrics;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final Map<String, SandboxRuntime> cluster = new java.util.LinkedHashMap<>();
  private io.fabric8.kubernetes.client.KubernetesClient kubernetes;

  private ControllerServer(ServerConfig config, java.util.function.Supplier<io.fabric8.kubernetes.client.KubernetesClient> client) {
    this.config = config;
    TokenStore tokens = TokenStore.load(config.tokensFile());
    this.store = Store.open(config.database());
    this.runtimes = new EnumMap<>(RuntimeKind.class);
    for (RuntimeKind k : RuntimeKind.local()) {
      SandboxRuntime rt = SandboxRuntime.create(k, RuntimeConfig.of(config.stateDir()));
      try {
        rt.checkAvailable();
        runtimes.put(k, rt);
      } catch (RuntimeUnavailableException e) {
        if (k == config.defaultRuntime()) {
          store.close();
          throw e;
        }
        LOG.warn("runtime {} disabled: {}", k, e.getMessage());
      }
    }
    // templates on Kubernetes: one runtime per RuntimeClass, over one API client (kubeconfig or in-cluster)
    java.util.Set<String> classes = new java.util.TreeSet<>();
    config.templates().values().stream().filter(t -> t.runtime() == RuntimeKind.KUBERNETES)
        .forEach(t -> classes.add(t.runtimeClass()));
    if (config.defaultRuntime() == RuntimeKind.KUBERNETES) {
      classes.add("gvisor");
    }
    if (!classes.isEmpty()) {
      kubernetes = client.get();
      for (String rc : classes) {
        var rt = new dev.acgs.sandbox.kubernetes.KubernetesRuntime(kubernetes,
            dev.acgs.sandbox.kubernetes.KubernetesConfig.defaults(rc).withNamespace(config.kubernetesNamespace()));
        try {
          rt.checkAvailable();
        } catch (RuntimeUnavailableException e) {
          runtimes.values().forEach(SandboxRuntime::close);
          kubernetes.close();
          store.close();
          throw e;
        }
        cluster.put(rc, rt);
      }
    }
    java.util.List<String> names = new java.util.ArrayList<>(runtimes.keySet().stream().map(RuntimeKind::wireName).toList());
    if (!cluster.isEmpty()) {
      names.add(RuntimeKind.KUBERNETES.wireName());
    }
    this.metrics = new PrometheusMetrics(names,
        config.templates().values().stream().filter(t -> t.poolMin() > 0).map(t -> t.name()).toList());
    store.metrics(metrics);
    this.service = new SandboxService(config, store, runtimes, cluster, metrics);
    metrics.observe(service::liveCounts, service::poolSizes);
    this.api = new ApiServer(service, tokens, config.maxBodyBytes(), config.maxFileBytes(), metrics);
    this.http = api.create();
  }

  /** Reconciles, starts pools and the API; returns when it is listening. */
  public static ControllerServer start(ServerConfig config) {
    return start(config, () -> new io.fabric8.kubernetes.client.KubernetesClientBuilder().build());
  }

  /**
   * Same, with the Kubernetes API client templates on {@code runtime: kubernetes} use (made only if
   * one does); the controller closes it when it stops.
   */
  public static ControllerServer start(ServerConfig config,
      java.util.function.Supplier<io.fabric8.kubernetes.client.KubernetesClient> kubernetesClient) {
    ControllerServer s = new ControllerServer(config, kubernetesClient);
    try {
      s.service.start();
      s.http.start(config.host(), config.port());
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  public int port() {
    return http.port();
  }

  public String url() {
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return "http://" + host + ":" + port();
  }

  /** The API's routes as "METHOD /path". */
  public java.util.List<String> routes() {
    return api.routes();
  }

  public SandboxService service() {
    return service;
  }

  /** Stops accepting, finishes or cancels running commands, destroys every sandbox, closes the store. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      service.close();
    } finally {
      try {
        http.stop();
      } finally {
        runtimes.values().forEach(SandboxRuntime::close);
        cluster.values().forEach(SandboxRuntime::close);
        if (kubernetes != null) {
          kubernetes.close();
        }
        store.close();
      }
    }
  }
}
