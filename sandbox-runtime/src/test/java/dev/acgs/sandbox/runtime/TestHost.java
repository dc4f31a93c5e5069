package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.cgroup.Cgroups;
import dev.acgs.sandbox.runtime.image.ImageBuilder;
import dev.acgs.sandbox.runtime.image.ImageStore;
import dev.acgs.sandbox.runtime.internal.Binaries;
import dev.acgs.sandbox.runtime.internal.Command;
import dev.acgs.sandbox.runtime.oci.OciRuntime;
import dev.acgs.sandbox.runtime.state.StateLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixtures pinned in one place for tests against the real runtimes: the state directory (the one
 * the README's set-up uses, so the image is built once), the default image, and leak checks.
 */
public final class TestHost {
  /** Override with -Dsandbox.stateDir=DIR. */
  public static final Path STATE_DIR = Path.of(System.getProperty("sandbox.stateDir", "/var/lib/sandboxctl"));

  public static final RuntimeConfig CONFIG = RuntimeConfig.of(STATE_DIR);

  private static volatile boolean imageReady;

  private TestHost() {}

  /** Builds the default image if this state directory has none (about a minute, once). */
  public static synchronized void ensureDefaultImage() {
    if (imageReady) {
      return;
    }
    ImageStore store = new ImageStore(new StateLayout(STATE_DIR).ensure());
    if (store.find(SandboxSpec.DEFAULT_IMAGE).isEmpty()) {
      System.err.println("[test] building the default image in " + STATE_DIR);
      new ImageBuilder(store).build("default", ImageBuilder.DEFAULT_SUITE, ImageBuilder.DEFAULT_PACKAGES,
          line -> System.err.println("[image] " + line));
    }
    imageReady = true;
  }

  /** A runtime whose created sandboxes are remembered, so the test can prove they are gone. */
  public static Tracked runtime(RuntimeKind kind) {
    ensureDefaultImage();
    return new Tracked(SandboxRuntime.create(kind, CONFIG));
  }

  public static String probe(String name) {
    try (InputStream in = TestHost.class.getResourceAsStream("/probes/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Wraps a runtime and records every sandbox id it hands out. */
  public static final class Tracked implements AutoCloseable {
    public final SandboxRuntime runtime;
    public final Set<String> created = ConcurrentHashMap.newKeySet();

    Tracked(SandboxRuntime runtime) {
      this.runtime = runtime;
    }

    public Sandbox create(SandboxSpec spec) {
      Sandbox s = runtime.create(spec);
      created.add(s.id());
      return s;
    }

    /** Closes the runtime and proves nothing it created is left anywhere. */
    @Override
    public void close() {
      runtime.close();
      assertNothingLeft(runtime.kind(), created);
    }
  }

  /** No container, bundle, cgroup or id range of these sandboxes is left. */
  public static void assertNothingLeft(RuntimeKind kind, Set<String> ids) {
    String bin = Binaries.findRuntime(kind).orElseThrow().toString();
    String listed = Command.run(List.of(bin, "list", "--quiet"), Duration.ofSeconds(30)).stdout();
    StateLayout layout = new StateLayout(STATE_DIR);
    for (String id : ids) {
      assertThat(listed).as("%s list still holds %s", kind.binary(), id).doesNotContain(id);
      assertThat(layout.sandbox(id)).as("bundle of %s", id).doesNotExist();
      assertThat(Cgroups.exists(OciRuntime.cgroupsPath(id))).as("cgroup of %s", id).isFalse();
    }
    try (var ranges = Files.list(layout.idRanges())) {
      for (Path r : ranges.toList()) {
        assertThat(ids).as("id range %s", r).doesNotContain(Files.readString(r).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
