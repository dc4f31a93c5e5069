package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.runtime.SandboxInfo;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sandboxctl ps}: the sandboxes of this state directory. */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "Lists the sandboxes of this state directory, on every runtime.")
public final class PsCommand implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--json", description = "Print a JSON array.")
  boolean json;

  @Override
  public Integer call() {
    List<SandboxInfo> all = new ArrayList<>();
    for (RuntimeKind kind : RuntimeKind.local()) {
      try (SandboxRuntime rt = SandboxRuntime.create(kind, state.config())) {
        all.addAll(rt.list());
      } catch (RuntimeUnavailableException e) {
        if (!json) {
          System.err.println("sandboxctl: skipping " + kind + ": " + e.getMessage());
        }
      }
    }
    if (json) {
      Output.printJson(all);
      return 0;
    }
    System.out.printf("%-22s %-7s %-9s %-10s %-25s %s%n", "ID", "RUNTIME", "STATUS", "IMAGE", "CREATED", "OWNER");
    for (SandboxInfo s : all) {
      System.out.printf("%-22s %-7s %-9s %-10s %-25s %s%n", s.id(), s.runtime(), s.status(), s.image(),
          s.createdAt().toString().replaceFirst("\\.\\d+Z$", "Z"), s.owner());
    }
    return 0;
  }
}
