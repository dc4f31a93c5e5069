package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.cli.commands.StateOptions;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
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
 * N idle sandboxes alive at once: what each costs the host in memory, how start latency moves as
 * the host fills, and whether every one of them still answers. Memory is reported two ways because
 * each misleads alone: the host's used-memory delta includes kernel memory (page tables, pipes,
 * cgroups) that no process owns, and summed PSS sees only the runtime's processes but splits
 * shared pages fairly.
 *
 * <p>It stops creating, and says so, before MemAvailable would fall under {@code --min-available},
 * and it destroys every sandbox it made at the end, after a failure, and on Ctrl-C.
 */
@Command(name = "density", mixinStandardHelpOptions = true,
    description = {"N idle sandboxes at once: memory per sandbox, start latency per decile, every one answering an exec.",
        "Example:  sandboxctl bench density -n 100 --runtime gvisor --json density.json"})
public final class DensityBench implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--runtime", defaultValue = "gvisor", paramLabel = "gvisor|runc", description = "Runtime (default: ${DEFAULT-VALUE}).")
  String runtime;

  @Option(names = {"-n", "--count"}, defaultValue = "100", description = "Idle sandboxes to hold at once (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--min-available", defaultValue = "4096", paramLabel = "MB",
      description = "Stop creating before MemAvailable would fall below this (default: ${DEFAULT-VALUE} MB).")
  long minAvailableMb;

  @Option(names = "--destroy-parallelism", defaultValue = "16", description = "Sandboxes destroyed at once at the end (default: ${DEFAULT-VALUE}).")
  int destroyParallelism;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the report with raw samples here.")
  Path json;

  @Override
  public Integer call() throws InterruptedException {
    if (count < 1 || destroyParallelism < 1) {
      throw new InvalidSpecException("-n", "count and destroy parallelism must be at least 1");
    }
    RuntimeKind kind = RuntimeKind.parse(runtime);
    List<Sandbox> alive = java.util.Collections.synchronizedList(new ArrayList<>());
    SandboxRuntime rt = SandboxRuntime.create(kind, state.config());
    // Ctrl-C: the JVM runs this hook and not the finally below; a sandbox created while it runs is
    // still among the runtime's open ones, which close() removes
    Thread onCtrlC = new Thread(() -> {
      SandboxReaper.destroyAll(alive, destroyParallelism);
      rt.close();
    }, "density-cleanup");
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    try {
      rt.reapOrphans();
      return measure(rt, kind, alive);
    } finally {
      SandboxReaper.destroyAll(alive, destroyParallelism);
      rt.close();
      try {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and does the same, idempotently
      }
    }
  }

  private int measure(SandboxRuntime rt, RuntimeKind kind, List<Sandbox> alive) throws InterruptedException {
    SandboxSpec spec = SandboxSpec.builder().build();
    System.gc();
    Thread.sleep(1000);
    HostMemory before = HostMemory.read();
    long jvmBefore = HostMemory.selfRssKb();
    Samples[] deciles = new Samples[10];
    for (int d = 0; d < 10; d++) {
      deciles[d] = new Samples();
    }
    Samples all = new Samples();
    String stoppedEarly = null;
    for (int i = 0; i < count; i++) {
      HostMemory now = HostMemory.read();
      double perSandboxMb = i == 0 ? 64 : Math.max(16, (now.usedKb() - before.usedKb()) / 1024.0 / i);
      if (now.availableMb() - 2 * perSandboxMb < minAvailableMb) {
        stoppedEarly = String.format("stopped at %d of %d sandboxes: MemAvailable %.0f MB, about %.0f MB per sandbox,"
            + " and the floor is %d MB (--min-available)", i, count, now.availableMb(), perSandboxMb, minAvailableMb);
        System.err.println();
        System.err.println(stoppedEarly);
        break;
      }
      long t0 = System.nanoTime();
      Sandbox s = rt.create(spec);
      double ms = (System.nanoTime() - t0) / 1e6;
      alive.add(s);
      deciles[(int) ((long) i * 10 / count)].add(ms);
      all.add(ms);
      if ((i + 1) % 10 == 0) {
        System.err.printf("\r%s: %d/%d sandboxes, MemAvailable %.0f MB", kind, i + 1, count, now.availableMb());
      }
    }
    System.err.println();
    Thread.sleep(2000); // let the last sandboxes finish their boot-time allocations
    HostMemory after = HostMemory.read();
    long jvmGrowthKb = HostMemory.selfRssKb() - jvmBefore;
    List<String> ids = alive.stream().map(Sandbox::id).toList();
    SandboxProcesses.Usage usage = SandboxProcesses.of(ids);
    int answered = 0;
    Samples execMs = new Samples();
    ExecRequest trivial = ExecRequest.of(Duration.ofSeconds(30), "true");
    List<String> failures = new ArrayList<>();
    for (Sandbox s : alive) {
      long t0 = System.nanoTime();
      try {
        if (s.exec(trivial).exitCode() == 0) {
          answered++;
          execMs.add((System.nanoTime() - t0) / 1e6);
        } else {
          failures.add(s.id() + ": `true` failed");
        }
      } catch (RuntimeException e) {
        failures.add(s.id() + ": " + e.getMessage());
      }
    }
    int n = alive.size();
    double usedDeltaMb = (after.usedKb() - before.usedKb()) / 1024.0;
    double perSandboxUsed = n == 0 ? Double.NaN : (usedDeltaMb - jvmGrowthKb / 1024.0) / n;
    double perSandboxPss = n == 0 ? Double.NaN : usage.pssKb() / 1024.0 / n;

    System.out.printf("%-7s sandboxes alive        %d of %d requested%n", kind, n, count);
    System.out.printf("%-7s answered an exec       %d%n", kind, answered);
    System.out.printf("%-7s host used delta        %.0f MB (controller JVM grew %.0f MB) -> %.1f MB per sandbox%n",
        kind, usedDeltaMb, jvmGrowthKb / 1024.0, perSandboxUsed);
    System.out.printf("%-7s summed PSS             %.0f MB over %d processes -> %.1f MB per sandbox%n",
        kind, usage.pssKb() / 1024.0, usage.processes(), perSandboxPss);
    System.out.printf("%-7s exec round trip        %s%n", kind, execMs);
    for (int d = 0; d < 10; d++) {
      if (deciles[d].count() > 0) {
        System.out.printf("%-7s start, decile %2d       %s%n", kind, d + 1, deciles[d]);
      }
    }
    failures.stream().limit(10).forEach(f -> System.out.println("not answering: " + f));

    Map<String, Object> report = Report.start("density");
    report.put("runtime", kind.wireName());
    report.put("flags", StartupBench.flags(kind));
    report.put("requested", count);
    report.put("alive", n);
    report.put("answered", answered);
    report.put("stoppedEarly", stoppedEarly);
    report.put("perSandboxMemoryMb", Samples.round(perSandboxUsed));
    report.put("perSandboxPssMb", Samples.round(perSandboxPss));
    Map<String, Object> memory = new LinkedHashMap<>();
    memory.put("memAvailableBeforeMb", Samples.round(before.availableMb()));
    memory.put("memAvailableAfterMb", Samples.round(after.availableMb()));
    memory.put("hostUsedDeltaMb", Samples.round(usedDeltaMb));
    memory.put("controllerJvmGrowthMb", Samples.round(jvmGrowthKb / 1024.0));
    memory.put("runtimeProcesses", usage.processes());
    memory.put("summedPssMb", Samples.round(usage.pssKb() / 1024.0));
    memory.put("summedRssMb", Samples.round(usage.rssKb() / 1024.0));
    report.put("memory", memory);
    report.put("startMs", all.summary());
    List<Map<String, Object>> perDecile = new ArrayList<>();
    for (int d = 0; d < 10; d++) {
      Map<String, Object> m = deciles[d].summary();
      m.put("decile", d + 1);
      perDecile.add(m);
    }
    report.put("startByDecile", perDecile);
    report.put("execRoundTrip", execMs.summary());
    report.put("notAnswering", failures);
    Report.write(json, report);
    return answered == n && stoppedEarly == null ? 0 : 1;
  }
}
