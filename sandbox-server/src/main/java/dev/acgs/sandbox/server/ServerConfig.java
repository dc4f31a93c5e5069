package dev.acgs.sandbox.server;

import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.LimitMaxima;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.server.pool.Template;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything the controller is started with, fixed at start.
 *
 * @param host address to bind (127.0.0.1 unless told otherwise)
 * @param port port, 0 for any free one
 * @param tokensFile lines {@code TENANT SHA256HEX}
 * @param maxima the most any request may ask for
 * @param quota per-tenant limits on live sandboxes
 * @param templates named templates; those with a pool minimum above 0 are kept warm
 * @param defaultRuntime runtime when neither request nor template names one
 * @param defaultTtl lifetime of a sandbox unless the request asks for less
 * @param defaultIdleTimeout idle time after which a sandbox is removed unless the request asks for less
 * @param maxConcurrentCreates sandboxes being created at once (the rest queue)
 * @param maxBodyBytes largest request body accepted
 * @param maxFileBytes largest file accepted or returned by the files API
 * @param shutdownDeadline how long running commands get to finish at shutdown
 * @param database the SQLite file of records and audit log (default STATE/controller.db)
 * @param kubernetesNamespace where templates with {@code runtime: kubernetes} create their pods
 */
public record ServerConfig(
    String host,
    int port,
    Path stateDir,
    Path tokensFile,
    LimitMaxima maxima,
    TenantQuota quota,
    Map<String, Template> templates,
    RuntimeKind defaultRuntime,
    Duration defaultTtl,
    Duration defaultIdleTimeout,
    int maxConcurrentCreates,
    long maxBodyBytes,
    long maxFileBytes,
    Duration shutdownDeadline,
    Path database,
    String kubernetesNamespace) {

  /**
   * @param maxLiveSandboxes live sandboxes one tenant may hold
   * @param maxMemory sum of the memory limits of one tenant's live sandboxes
   */
  public record TenantQuota(int maxLiveSandboxes, ByteSize maxMemory) {}

  public static final TenantQuota DEFAULT_QUOTA = new TenantQuota(50, ByteSize.ofMiB(32 * 1024));

  /** The built-in template: Python on gVisor with the default limits, two kept warm. */
  public static Map<String, Template> defaultTemplates() {
    return Map.of("python", new Template("python", "default", RuntimeKind.GVISOR, ResourceLimits.DEFAULT, SandboxSpec.DEFAULT_SECCOMP_PROFILE, 2, 8));
  }

  public static ServerConfig defaults(Path stateDir, Path tokensFile) {
    return new ServerConfig("127.0.0.1", 8080, stateDir, tokensFile, LimitMaxima.DEFAULT, DEFAULT_QUOTA,
        defaultTemplates(), RuntimeKind.GVISOR, Duration.ofMinutes(30), Duration.ofMinutes(10), 8,
        16L * 1024 * 1024, 8L * 1024 * 1024, Duration.ofSeconds(20), stateDir.resolve("controller.db"), "ai-sandboxes");
  }

  public ServerConfig withListen(String h, int p) {
    return new ServerConfig(h, p, stateDir, tokensFile, maxima, quota, templates, defaultRuntime, defaultTtl,
        defaultIdleTimeout, maxConcurrentCreates, maxBodyBytes, maxFileBytes, shutdownDeadline, database, kubernetesNamespace);
  }

  public ServerConfig withTemplates(Map<String, Template> t) {
    return new ServerConfig(host, port, stateDir, tokensFile, maxima, quota, Map.copyOf(t), defaultRuntime, defaultTtl,
        defaultIdleTimeout, maxConcurrentCreates, maxBodyBytes, maxFileBytes, shutdownDeadline, database, kubernetesNamespace);
  }

  public ServerConfig withQuota(TenantQuota q) {
    return new ServerConfig(host, port, stateDir, tokensFile, maxima, q, templates, defaultRuntime, defaultTtl,
        defaultIdleTimeout, maxConcurrentCreates, maxBodyBytes, maxFileBytes, shutdownDeadline, database, kubernetesNamespace);
  }

  public ServerConfig withDatabase(Path db) {
    return new ServerConfig(host, port, stateDir, tokensFile, maxima, quota, templates, defaultRuntime, defaultTtl,
        defaultIdleTimeout, maxConcurrentCreates, maxBodyBytes, maxFileBytes, shutdownDeadline, db, kubernetesNamespace);
  }

  public ServerConfig withKubernetesNamespace(String ns) {
    return new ServerConfig(host, port, stateDir, tokensFile, maxima, quota, templates, defaultRuntime, defaultTtl,
        defaultIdleTimeout, maxConcurrentCreates, maxBodyBytes, maxFileBytes, shutdownDeadline, database, ns);
  }

  public ServerConfig withDefaultRuntime(RuntimeKind k) {
    return new ServerConfig(host, port, stateDir, tokensFile, maxima, quota, templates, k, defaultTtl,
        defaultIdleTimeout, maxConcurrentCreates, maxBodyBytes, maxFileBytes, shutdownDeadline, database, kubernetesNamespace);
  }
}
