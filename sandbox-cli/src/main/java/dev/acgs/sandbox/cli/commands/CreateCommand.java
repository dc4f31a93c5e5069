package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sandboxctl create}: a sandbox that stays until {@code sandboxctl rm}. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = {
      "Creates a sandbox that keeps running after this command ends, and prints its id.",
      "Run commands in it with `sandboxctl exec ID -- CMD`; remove it with `sandboxctl rm ID`.",
      "--timeout applies to each exec."
    })
public final class CreateCommand implements Callable<Integer> {
  @Mixin StateOptions state;
  @Mixin SpecOptions opts;

  @Option(names = "--json", description = "Print id, runtime and start time as JSON.")
  boolean json;

  @Override
  public Integer call() {
    try (SandboxRuntime runtime = SandboxRuntime.create(opts.runtimeKind(), state.config())) {
      runtime.reapOrphans();
      try (Sandbox s = runtime.createDetached(opts.toSpec(List.of()))) {
        if (json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("id", s.id());
          m.put("runtime", s.runtime().wireName());
          m.put("startMs", s.startDuration().toNanos() / 1e6);
          Output.printJson(m);
        } else {
          System.out.println(s.id());
        }
      }
    }
    return 0;
  }
}
