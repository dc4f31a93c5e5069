package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.cli.Main;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.runtime.SandboxInfo;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.runtime.oci.OciRuntime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sandboxctl rm}: kills and removes sandboxes. */
@Command(name = "rm", mixinStandardHelpOptions = true,
    description = "Kills and removes sandboxes: container, cgroup, bundle and id range.")
public final class RmCommand implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--all", description = "Remove every sandbox of this state directory.")
  boolean all;

  @Parameters(arity = "0..*", paramLabel = "ID", description = "Sandbox ids (see `sandboxctl ps`).")
  List<String> ids = List.of();

  @Override
  public Integer call() {
    if (!all && ids.isEmpty()) {
      System.err.println("sandboxctl: name the sandboxes to remove, or use --all");
      return Main.EXIT_USAGE;
    }
    int status = 0;
    if (all) {
      for (RuntimeKind kind : RuntimeKind.local()) {
        try (SandboxRuntime rt = SandboxRuntime.create(kind, state.config())) {
          for (SandboxInfo s : rt.list()) {
            rt.remove(s.id());
            System.out.println(s.id());
          }
        } catch (RuntimeUnavailableException e) {
          System.err.println("sandboxctl: skipping " + kind + ": " + e.getMessage());
        }
      }
      return 0;
    }
    for (String id : ids) {
      Optional<RuntimeKind> kind = OciRuntime.runtimeOf(state.config(), id);
      if (kind.isEmpty()) {
        System.err.println("sandboxctl: no sandbox '" + id + "' here: `sandboxctl ps` lists the sandboxes that exist");
        status = Main.EXIT_FAILURE;
        continue;
      }
      try (SandboxRuntime rt = SandboxRuntime.create(kind.get(), state.config())) {
        rt.remove(id);
        System.out.println(id);
      }
    }
    return status;
  }
}
