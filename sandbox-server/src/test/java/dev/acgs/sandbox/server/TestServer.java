package dev.acgs.sandbox.server;

import dev.acgs.sandbox.client.SandboxClient;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.image.ImageBuilder;
import dev.acgs.sandbox.runtime.image.ImageStore;
import dev.acgs.sandbox.runtime.state.StateLayout;
import dev.acgs.sandbox.server.api.TokenStore;
import dev.acgs.sandbox.server.pool.Template;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A real controller on 127.0.0.1:0 with two tenants, its database in a temporary directory. */
final class TestServer implements AutoCloseable {
  static final Path STATE_DIR = Path.of(System.getProperty("sandbox.stateDir", "/var/lib/sandboxctl"));
  static final String ALICE = "alice-token-" + System.nanoTime();
  static final String BOB = "bob-token-" + System.nanoTime();

  final Path dir;
  final ControllerServer server;

  TestServer(int poolMin, ServerConfig.TenantQuota quota) {
    ensureImage();
    try {
      dir = Files.createTempDirectory("controller-it");
      Path tokens = dir.resolve("tokens");
      Files.writeString(tokens, "# test tenants\nalice " + TokenStore.sha256Hex(ALICE) + "\nbob " + TokenStore.sha256Hex(BOB) + "\n");
      ServerConfig cfg = ServerConfig.defaults(STATE_DIR, tokens)
          .withListen("127.0.0.1", 0)
          .withDatabase(dir.resolve("controller.db"))
          .withQuota(quota)
          .withTemplates(Map.of("python", new Template("python", "default", RuntimeKind.GVISOR, ResourceLimits.DEFAULT,
              SandboxSpec.DEFAULT_SECCOMP_PROFILE, poolMin, Math.max(poolMin, 1))));
      server = ControllerServer.start(cfg);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static synchronized void ensureImage() {
    ImageStore store = new ImageStore(new StateLayout(STATE_DIR).ensure());
    if (store.find(SandboxSpec.DEFAULT_IMAGE).isEmpty()) {
      new ImageBuilder(store).build("default", ImageBuilder.DEFAULT_SUITE, ImageBuilder.DEFAULT_PACKAGES, System.err::println);
    }
  }

  SandboxClient client(String token) {
    return new SandboxClient(URI.create(server.url() + "/"), token);
  }

  String url() {
    return server.url();
  }

  @Override
  public void close() {
    server.close();
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
