package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.core.model.SandboxSpec;
import com.fasterxml.jackson.databind.JsonNode;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.Durations;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.server.ControllerServer;
import dev.acgs.sandbox.server.ServerConfig;
import dev.acgs.sandbox.server.pool.Template;
import dev.acgs.sandbox.server.service.SandboxRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sandboxctl serve}: the Sandbox Controller's HTTP API. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = {
    "Runs the Sandbox Controller: the REST API under /v1 (OpenAPI at /v1/openapi.json), warm pools,",
    "tenant quotas and the audit log. Stops gracefully on SIGTERM or Ctrl-C.",
    "Settings come from flags, else $SANDBOXCTL_* variables, else --config FILE (JSON), else the defaults shown.",
    "",
    "Example:  sandboxctl serve --listen 127.0.0.1:8080 --tokens /etc/sandboxctl/tokens"})
public final class ServeCommand implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "${env:SANDBOXCTL_LISTEN:-127.0.0.1:8080}",
      description = "Address to bind; port 0 picks a free one (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--tokens", paramLabel = "FILE", defaultValue = "${env:SANDBOXCTL_TOKENS}",
      description = "Tokens file: lines 'TENANT SHA256HEX-OF-TOKEN' (required; e.g. printf %%s TOKEN | sha256sum).")
  Path tokens;

  @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:SANDBOXCTL_CONFIG}",
      description = "JSON settings: runtime, quota, templates (image, runtime, runtimeClass, limits, seccompProfile,"
          + " poolMin, poolMax), kubernetes (namespace), ttl, idleTimeout, maxConcurrentCreates, shutdownDeadline."
          + " A template with \"runtime\": \"kubernetes\" and \"runtimeClass\": \"gvisor\" or \"kata-firecracker\""
          + " runs its sandboxes as pods (kubeconfig or in-cluster credentials).")
  Path configFile;

  @Option(names = "--database", paramLabel = "FILE", description = "SQLite file of records and the audit log (default: STATE-DIR/controller.db).")
  Path database;

  @Option(names = "--runtime", paramLabel = "gvisor|runc", description = "Default runtime (default: gvisor).")
  String runtime;

  @Option(names = "--pool-min", paramLabel = "N", description = "Warm sandboxes kept for the 'python' template (default: 2).")
  Integer poolMin;

  @Option(names = "--pool-max", paramLabel = "N", description = "Most warm sandboxes for the 'python' template (default: 8).")
  Integer poolMax;

  @Option(names = "--max-live", paramLabel = "N", description = "Live sandboxes per tenant (default: 50).")
  Integer maxLive;

  @Option(names = "--max-memory", paramLabel = "SIZE", description = "Sum of sandbox memory per tenant (default: 32g).")
  String maxMemory;

  @Override
  public Integer call() throws Exception {
    ServerConfig cfg = config();
    ControllerServer server = ControllerServer.start(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("sandboxctl serve: shutting down (finishing running commands, removing sandboxes)");
      server.close();
      stopped.countDown();
    }, "serve-shutdown"));
    System.out.println("sandboxctl serve: listening on " + server.url() + " (state " + cfg.stateDir() + ")");
    System.out.flush();
    stopped.await();
    return 0;
  }

  public ServerConfig config() throws IOException {
    if (tokens == null) {
      throw new InvalidSpecException("--tokens", "a tokens file is required: lines 'TENANT SHA256HEX' (see `sandboxctl serve --help`)");
    }
    ServerConfig cfg = ServerConfig.defaults(state.config().stateDir(), tokens);
    RuntimeKind rt = RuntimeKind.GVISOR;
    int min = 2;
    int max = 8;
    ServerConfig.TenantQuota quota = ServerConfig.DEFAULT_QUOTA;
    Duration ttl = cfg.defaultTtl();
    Duration idle = cfg.defaultIdleTimeout();
    int creates = cfg.maxConcurrentCreates();
    Duration shutdown = cfg.shutdownDeadline();
    Map<String, Template> templates = new LinkedHashMap<>();
    String namespace = cfg.kubernetesNamespace();
    if (configFile != null) {
      JsonNode j = Output.JSON.readTree(configFile.toFile());
      if (j.has("runtime")) {
        rt = RuntimeKind.parse(j.get("runtime").asText());
      }
      if (j.path("kubernetes").has("namespace")) {
        namespace = j.path("kubernetes").get("namespace").asText();
      }
      if (j.has("quota")) {
        quota = new ServerConfig.TenantQuota(j.path("quota").path("maxLiveSandboxes").asInt(quota.maxLiveSandboxes()),
            j.path("quota").has("maxMemory") ? ByteSize.parse("quota.maxMemory", j.path("quota").get("maxMemory").asText()) : quota.maxMemory());
      }
      if (j.has("ttl")) {
        ttl = Durations.parsePositive("ttl", j.get("ttl").asText());
      }
      if (j.has("idleTimeout")) {
        idle = Durations.parsePositive("idleTimeout", j.get("idleTimeout").asText());
      }
      if (j.has("maxConcurrentCreates")) {
        creates = j.get("maxConcurrentCreates").asInt();
      }
      if (j.has("shutdownDeadline")) {
        shutdown = Durations.parsePositive("shutdownDeadline", j.get("shutdownDeadline").asText());
      }
      var it = j.path("templates").properties().iterator();
      while (it.hasNext()) {
        var e = it.next();
        JsonNode t = e.getValue();
        ResourceLimits limits = t.has("limits")
            ? Output.JSON.treeToValue(t.get("limits"), SandboxRequest.LimitsRequest.class)
                .applyTo(ResourceLimits.DEFAULT, "templates." + e.getKey() + ".limits")
            : ResourceLimits.DEFAULT;
        templates.put(e.getKey(), new Template(e.getKey(), t.path("image").asText("default"),
            RuntimeKind.parse(t.path("runtime").asText(rt.wireName())), limits, t.path("seccompProfile").asText(SandboxSpec.DEFAULT_SECCOMP_PROFILE),
            t.path("poolMin").asInt(0), t.path("poolMax").asInt(Math.max(8, t.path("poolMin").asInt(0))),
            t.has("runtimeClass") ? t.get("runtimeClass").asText()
                : RuntimeKind.parse(t.path("runtime").asText(rt.wireName())) == RuntimeKind.KUBERNETES ? "gvisor" : ""));
      }
    }
    if (runtime != null) {
      rt = RuntimeKind.parse(runtime);
    }
    if (poolMin != null) {
      min = poolMin;
    }
    if (poolMax != null) {
      max = poolMax;
    }
    if (maxLive != null || maxMemory != null) {
      quota = new ServerConfig.TenantQuota(maxLive != null ? maxLive : quota.maxLiveSandboxes(),
          maxMemory != null ? ByteSize.parse("--max-memory", maxMemory) : quota.maxMemory());
    }
    templates.putIfAbsent("python", new Template("python", "default", rt, ResourceLimits.DEFAULT, SandboxSpec.DEFAULT_SECCOMP_PROFILE, min, Math.max(min, max)));
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) {
      throw new InvalidSpecException("--listen", "'" + listen + "' must be HOST:PORT, e.g. 127.0.0.1:8080");
    }
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new InvalidSpecException("--listen", "port in '" + listen + "' is not a number");
    }
    String host = listen.substring(0, colon).replaceAll("^\\[|\\]$", "");
    return new ServerConfig(host, port, cfg.stateDir(), tokens, cfg.maxima(), quota, templates, rt, ttl, idle, creates,
        cfg.maxBodyBytes(), cfg.maxFileBytes(), shutdown, database != null ? database : cfg.database(), namespace);
  }
}
