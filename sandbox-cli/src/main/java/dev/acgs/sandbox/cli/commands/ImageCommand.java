package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.runtime.image.Image;
import dev.acgs.sandbox.runtime.image.ImageBuilder;
import dev.acgs.sandbox.runtime.image.ImageStore;
import dev.acgs.sandbox.runtime.state.StateLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sandboxctl image build|ls|rm}. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Builds, lists and removes sandbox images.",
    subcommands = {ImageCommand.Build.class, ImageCommand.Ls.class, ImageCommand.Rm.class})
public final class ImageCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "build", mixinStandardHelpOptions = true, description = {
      "Builds a Debian root filesystem with mmdebstrap (needs root and a reachable Debian mirror) and",
      "stores it read-only, content-addressed. The default image has Python 3 (ctypes, sqlite3, venv)",
      "and busybox. Takes about 30 s; progress is printed as it goes."})
  static final class Build implements Callable<Integer> {
    @Mixin StateOptions state;

    @Option(names = "--name", defaultValue = "default", description = "Image name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--suite", defaultValue = ImageBuilder.DEFAULT_SUITE, description = "Debian suite (default: ${DEFAULT-VALUE}).")
    String suite;

    @Option(names = "--package", paramLabel = "PKG", description = "Debian package to include (repeatable; default: python3, python3-venv, busybox).")
    List<String> packages;

    @Option(names = "--if-missing", description = "Do nothing if an image of this name exists.")
    boolean ifMissing;

    @Override
    public Integer call() {
      ImageStore store = new ImageStore(new StateLayout(state.config().stateDir()).ensure());
      if (ifMissing && store.find(name).isPresent()) {
        System.out.println("image '" + name + "' exists: " + store.resolve(name).digest());
        return 0;
      }
      List<String> pkgs = packages == null || packages.isEmpty() ? ImageBuilder.DEFAULT_PACKAGES : packages;
      Image img = new ImageBuilder(store).build(name, suite, pkgs, line -> System.err.println(line));
      System.out.println(img.digest());
      return 0;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "Lists the stored images.")
  static final class Ls implements Callable<Integer> {
    @Mixin StateOptions state;

    @Option(names = "--json", description = "Print JSON manifests.")
    boolean json;

    @Override
    public Integer call() {
      ImageStore store = new ImageStore(new StateLayout(state.config().stateDir()));
      List<Image> images = store.list();
      if (json) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Image i : images) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("names", store.namesOf(i.digest()));
          m.put("manifest", i.manifest());
          m.put("rootfs", i.rootfs().toString());
          out.add(m);
        }
        Output.printJson(out);
        return 0;
      }
      System.out.printf("%-20s %-19s %8s %8s  %s%n", "NAME", "DIGEST", "SIZE", "PACKAGES", "CREATED");
      for (Image i : images) {
        List<String> names = store.namesOf(i.digest());
        System.out.printf("%-20s %-19s %7dM %8d  %s%n", names.isEmpty() ? "<none>" : String.join(",", names),
            i.digest().substring(0, 19), i.manifest().sizeBytes() >> 20, i.manifest().packages().size(),
            i.manifest().createdAt().toString().replaceFirst("\\.\\d+Z$", "Z"));
      }
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Removes an image by name or digest; refused while a sandbox uses it.")
  static final class Rm implements Callable<Integer> {
    @Mixin StateOptions state;

    @Parameters(arity = "1..*", paramLabel = "NAME|DIGEST")
    List<String> refs;

    @Override
    public Integer call() {
      ImageStore store = new ImageStore(new StateLayout(state.config().stateDir()));
      Set<String> usedImages = new HashSet<>();
      for (RuntimeKind kind : RuntimeKind.local()) {
        try (SandboxRuntime rt = SandboxRuntime.create(kind, state.config())) {
          rt.list().forEach(s -> usedImages.add(s.image()));
        } catch (RuntimeUnavailableException e) {
          // no sandboxes can exist on a runtime that is not installed
        }
      }
      for (String ref : refs) {
        Image removed = store.remove(ref, digest -> store.namesOf(digest).stream().anyMatch(usedImages::contains));
        System.out.println("removed " + ref + " (" + removed.digest() + ")");
      }
      return 0;
    }
  }
}
