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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * N sequential cold starts per runtime. create-to-ready: from the create call until the sandbox
 * agent answers (a command could start). run-to-exit: from the create call until a trivial command
 * ({@code true}) has run and exited inside it. destroy: kill and remove everything.
 */
@Command(name = "startup", mixinStandardHelpOptions = true,
    description = {"Sequential cold starts: create-to-ready, run-to-exit of `true`, and destroy, with P50/P95/P99/max.",
        "Example:  sandboxctl bench startup --runtime all -n 100 --breakdown --json startup.json --svg startup.svg"})
public final class StartupBench implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--runtime", defaultValue = "gvisor", paramLabel = "gvisor|runc|all", description = "Runtime(s) to measure (default: ${DEFAULT-VALUE}).")
  String runtime;

  @Option(names = {"-n", "--count"}, defaultValue = "100", description = "Measured starts per runtime (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured starts first, per runtime (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the report with raw samples here.")
  Path json;

  @Option(names = "--breakdown", description = "Also report where create-to-ready went, phase by phase (recorded inside the runtime).")
  boolean breakdown;

  @Option(names = "--svg", paramLabel = "FILE", description = "Write the create-to-ready CDF per runtime as an SVG chart here.")
  Path svg;

  @Override
  public Integer call() {
    if (count < 1 || warmup < 0) {
      throw new InvalidSpecException("-n", "count must be at least 1 and warmup at least 0");
    }
    List<RuntimeKind> kinds = runtime.equals("all") ? RuntimeKind.local() : List.of(RuntimeKind.parse(runtime));
    Map<String, Object> report = Report.start("startup");
    report.put("count", count);
    report.put("warmup", warmup);
    Map<String, Object> results = new LinkedHashMap<>();
    CdfChart chart = new CdfChart("create-to-ready, " + count + " sequential cold starts per runtime");
    SandboxSpec spec = SandboxSpec.builder().build();
    ExecRequest trivial = ExecRequest.of(Duration.ofSeconds(30), "true");
    for (RuntimeKind kind : kinds) {
      Samples ready = new Samples();
      Samples run = new Samples();
      Samples destroy = new Samples();
      PhaseTable phases = new PhaseTable();
      try (SandboxRuntime rt = SandboxRuntime.create(kind, state.config())) {
        rt.reapOrphans();
        for (int i = 0; i < warmup + count; i++) {
          long t0 = System.nanoTime();
          Sandbox s = rt.create(spec);
          long tReady = System.nanoTime();
          ExecResult r;
          try {
            r = s.exec(trivial);
          } finally {
            long tExit = System.nanoTime();
            s.close();
            long tGone = System.nanoTime();
            if (i >= warmup) {
              ready.add((tReady - t0) / 1e6);
              run.add((tExit - t0) / 1e6);
              destroy.add((tGone - tExit) / 1e6);
              s.startPhases().ifPresent(phases::add);
            }
          }
          if (r.exitCode() != 0) {
            throw new SandboxFailedException("`true` exited " + r.exitCode() + " in a " + kind + " sandbox: " + r.stderrText());
          }
          if ((i + 1) % 10 == 0 || i + 1 == warmup + count) {
            System.err.printf("\r%s: %d/%d starts", kind, i + 1, warmup + count);
          }
        }
        System.err.println();
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("flags", flags(kind));
      r.put("createToReady", ready.summary());
      r.put("runToExit", run.summary());
      r.put("destroy", destroy.summary());
      if (breakdown) {
        r.put("phases", phases.summary());
      }
      chart.add(kind.wireName(), ready.values());
      results.put(kind.wireName(), r);
      System.out.printf("%-7s create-to-ready  %s%n", kind, ready);
      System.out.printf("%-7s run-to-exit      %s%n", kind, run);
      System.out.printf("%-7s destroy          %s%n", kind, destroy);
      if (breakdown) {
        phases.print(kind.wireName());
      }
    }
    report.put("runtimes", results);
    // the single-runtime form keeps the figures at top level too, for scripts
    if (kinds.size() == 1) {
      @SuppressWarnings("unchecked")
      Map<String, Object> only = (Map<String, Object>) results.get(kinds.getFirst().wireName());
      report.put("runtime", kinds.getFirst().wireName());
      report.putAll(only);
    }
    Report.write(json, report);
    if (svg != null) {
      chart.write(svg);
    }
    return 0;
  }

  static List<String> flags(RuntimeKind kind) {
    List<String> f = new ArrayList<>();
    if (kind == RuntimeKind.GVISOR) {
      f.addAll(dev.acgs.sandbox.runtime.gvisor.GvisorRuntime.FLAGS);
      f.add("--debug --debug-command=boot (violation monitoring, create only)");
    } else {
      f.add("user namespace per sandbox");
    }
    return f;
  }
}
