package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.cli.commands.StateOptions;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The round trip of a trivial command ({@code true}) in a sandbox that is already running: from
 * {@link Sandbox#exec} until its exit status is back. This is the price of every command an agent
 * runs after the first, so it is measured apart from cold start.
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
    description = {"Round trip of `true` in a running sandbox, per runtime, P50/P95/P99/max.",
        "Example:  sandboxctl bench exec --runtime all -n 300 --json exec.json"})
public final class ExecBench implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--runtime", defaultValue = "all", paramLabel = "gvisor|runc|all", description = "Runtime(s) to measure (default: ${DEFAULT-VALUE}).")
  String runtime;

  @Option(names = {"-n", "--count"}, defaultValue = "300", description = "Measured execs per runtime (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--warmup", defaultValue = "20", description = "Unmeasured execs first, per runtime (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the report with raw samples here.")
  Path json;

  @Override
  public Integer call() {
    if (count < 1 || warmup < 0) {
      throw new InvalidSpecException("-n", "count must be at least 1 and warmup at least 0");
    }
    List<RuntimeKind> kinds = runtime.equals("all") ? RuntimeKind.local() : List.of(RuntimeKind.parse(runtime));
    Map<String, Object> report = Report.start("exec");
    report.put("count", count);
    report.put("warmup", warmup);
    report.put("command", "true");
    Map<String, Object> results = new LinkedHashMap<>();
    ExecRequest trivial = ExecRequest.of(Duration.ofSeconds(30), "true");
    for (RuntimeKind kind : kinds) {
      Samples rtt = new Samples();
      try (SandboxRuntime rt = SandboxRuntime.create(kind, state.config());
           Sandbox s = rt.create(SandboxSpec.builder().build())) {
        for (int i = 0; i < warmup + count; i++) {
          long t0 = System.nanoTime();
          ExecResult r = s.exec(trivial);
          long t1 = System.nanoTime();
          if (r.exitCode() != 0) {
            throw new SandboxFailedException("`true` exited " + r.exitCode() + " in a " + kind + " sandbox: " + r.stderrText());
          }
          if (i >= warmup) {
            rtt.add((t1 - t0) / 1e6);
          }
        }
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("flags", StartupBench.flags(kind));
      r.put("execRoundTrip", rtt.summary());
      results.put(kind.wireName(), r);
      System.out.printf("%-7s exec round trip  %s%n", kind, rtt);
    }
    report.put("runtimes", results);
    Report.write(json, report);
    return 0;
  }
}
