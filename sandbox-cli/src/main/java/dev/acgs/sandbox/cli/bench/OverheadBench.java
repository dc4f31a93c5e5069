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
 * The same workloads under gVisor-hardened, runc-hardened and a Docker-default runc, as ratios to
 * the Docker baseline measured in the same run. Configurations are interleaved: each round runs
 * every configuration once, in a rotated order, each in a fresh sandbox, so that drift on this
 * noisy VM (other tenants, page cache, thermal) lands on all of them alike.
 */
@Command(name = "overhead", mixinStandardHelpOptions = true,
    description = {"Workloads under gvisor-hardened, runc-hardened and the Docker baseline (runc, Docker's seccomp"
        + " profile and capabilities), interleaved; medians and ratios to the baseline.",
        "Example:  sandboxctl bench overhead --rounds 7 --json overhead.json"})
public final class OverheadBench implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--rounds", defaultValue = "7", description = "Rounds; each runs every configuration once (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the report with raw samples here.")
  Path json;

  /** One configuration under test: a runtime and the spec its sandboxes get. */
  private record Config(String name, String description, SandboxRuntime runtime, SandboxSpec spec) {}

  @Override
  public Integer call() {
    if (rounds < 1) {
      throw new InvalidSpecException("--rounds", "must be at least 1");
    }
    List<Workload> workloads = Workload.all();
    try (SandboxRuntime gvisor = SandboxRuntime.create(RuntimeKind.GVISOR, state.config());
         SandboxRuntime runc = SandboxRuntime.create(RuntimeKind.RUNC, state.config());
         SandboxRuntime docker = new DockerBaselineRunc(state.config())) {
      SandboxSpec hardened = SandboxSpec.builder().build();
      List<Config> configs = List.of(
          new Config("docker-baseline", "runc, Docker's default seccomp profile and capabilities, no monitoring", docker,
              SandboxSpec.builder().seccompProfile(DockerBaselineRunc.PROFILE).build()),
          new Config("runc-hardened", "runc as sandboxctl runs it: profile " + hardened.seccompProfile()
              + ", no capabilities, violation monitoring", runc, hardened),
          new Config("gvisor-hardened", "runsc as sandboxctl runs it: profile " + hardened.seccompProfile()
              + ", violation monitoring (Sentry debug log)", gvisor, hardened));
      gvisor.reapOrphans();
      runc.reapOrphans();
      Map<String, Map<String, Samples>> seconds = new LinkedHashMap<>();
      for (Config c : configs) {
        Map<String, Samples> m = new LinkedHashMap<>();
        workloads.forEach(w -> m.put(w.name(), new Samples()));
        seconds.put(c.name(), m);
      }
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < configs.size(); k++) {
          Config c = configs.get((round + k) % configs.size());
          try (Sandbox s = c.runtime().create(c.spec())) {
            s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c", "pass")); // page cache, not measured
            for (Workload w : workloads) {
              seconds.get(c.name()).get(w.name()).add(run(s, w, c.name()));
            }
          }
          System.err.printf("\rround %d/%d: %s done          ", round + 1, rounds, c.name());
        }
      }
      System.err.println();
      return report(configs, workloads, seconds);
    }
  }

  /** One workload's time in milliseconds: its own timing when it prints one, else the exec's. */
  private static double run(Sandbox s, Workload w, String config) {
    long t0 = System.nanoTime();
    ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(120), w.argv().toArray(String[]::new)));
    double hostMs = (System.nanoTime() - t0) / 1e6;
    if (r.exitCode() != 0) {
      throw new SandboxFailedException("workload " + w.name() + " exited " + r.exitCode() + " under " + config
          + ": " + r.stderrText().strip());
    }
    if (!w.selfTimed()) {
      return hostMs;
    }
    String[] lines = r.stdoutText().strip().split("\n");
    try {
      return Double.parseDouble(lines[lines.length - 1].strip()) * 1000;
    } catch (NumberFormatException e) {
      throw new SandboxFailedException("workload " + w.name() + " under " + config + " printed no timing: " + r.stdoutText());
    }
  }

  private int report(List<Config> configs, List<Workload> workloads, Map<String, Map<String, Samples>> ms) {
    String base = configs.getFirst().name();
    System.out.printf("%-13s", "workload");
    configs.forEach(c -> System.out.printf(" %18s", c.name() + " ms"));
    configs.stream().skip(1).forEach(c -> System.out.printf(" %18s", c.name() + " x"));
    System.out.println();
    Map<String, Object> results = new LinkedHashMap<>();
    for (Workload w : workloads) {
      double baseMs = ms.get(base).get(w.name()).percentile(50);
      System.out.printf("%-13s", w.name());
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("description", w.description());
      row.put("timedInside", w.selfTimed());
      for (Config c : configs) {
        Samples s = ms.get(c.name()).get(w.name());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("medianMs", Samples.round(s.percentile(50)));
        m.put("ratioToBaseline", Math.round(s.percentile(50) / baseMs * 1000) / 1000.0);
        m.put("samplesMs", s.values().stream().map(Samples::round).toList());
        row.put(c.name(), m);
        System.out.printf(" %18.1f", s.percentile(50));
      }
      for (Config c : configs.subList(1, configs.size())) {
        System.out.printf(" %18.3f", ms.get(c.name()).get(w.name()).percentile(50) / baseMs);
      }
      System.out.println();
      results.put(w.name(), row);
    }
    if (json != null) {
      Map<String, Object> report = Report.start("overhead");
      report.put("rounds", rounds);
      report.put("baseline", base);
      List<Map<String, String>> cs = new ArrayList<>();
      configs.forEach(c -> cs.add(Map.of("name", c.name(), "description", c.description())));
      report.put("configurations", cs);
      report.put("workloads", results);
      Report.write(json, report);
    }
    return 0;
  }
}
