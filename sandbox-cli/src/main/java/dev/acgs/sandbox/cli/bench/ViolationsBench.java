package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.cli.commands.StateOptions;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.monitor.ViolationPolicy;
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
 * Violation monitoring: attempt-to-event (a denied call inside the sandbox until the controller has
 * the event), event-to-gone (the event until the terminate policy has the sandbox's processes gone),
 * and what monitoring costs an allowed-syscall-heavy loop (monitoring on vs off, interleaved).
 */
@Command(name = "violations", mixinStandardHelpOptions = true, description = {
    "Violation monitoring: attempt-to-event and event-to-sandbox-gone (P50/P95), and the overhead of",
    "monitoring on a syscall-heavy loop, on vs off in the same run.",
    "Example:  sandboxctl bench violations --runtime all -n 100 --json violations.json"})
public final class ViolationsBench implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--runtime", defaultValue = "all", paramLabel = "gvisor|runc|all", description = "Runtime(s) (default: ${DEFAULT-VALUE}).")
  String runtime;

  @Option(names = {"-n", "--count"}, defaultValue = "100", description = "Attempts measured per runtime (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--terminations", defaultValue = "20", description = "Terminations measured per runtime (default: ${DEFAULT-VALUE}).")
  int terminations;

  @Option(names = "--rounds", defaultValue = "5", description = "Overhead rounds, monitoring on and off each (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the report with raw samples here.")
  Path json;

  static final String ATTEMPTS = "import ctypes, sys, time\nl = ctypes.CDLL(None)\nfor _ in range(int(sys.argv[1])):\n"
      + "    t = time.time_ns()\n    l.syscall(250, 0, 0, 0, 0, 0)\n    print(t)\n    time.sleep(0.01)\n";
  static final String SYSCALL_LOOP = "import os, time\nfd = os.open('/dev/zero', os.O_RDONLY)\nt = time.perf_counter()\n"
      + "for _ in range(200000):\n    os.read(fd, 64)\n    os.getppid()\nprint(time.perf_counter() - t)\n";

  @Override
  public Integer call() {
    if (count < 1 || terminations < 1 || rounds < 1) {
      throw new InvalidSpecException("-n", "counts must be at least 1");
    }
    List<RuntimeKind> kinds = runtime.equals("all") ? RuntimeKind.local() : List.of(RuntimeKind.parse(runtime));
    Map<String, Object> report = Report.start("violations");
    Map<String, Object> results = new LinkedHashMap<>();
    for (RuntimeKind k : kinds) {
      Samples detect = new Samples();
      Samples gone = new Samples();
      Samples on = new Samples();
      Samples off = new Samples();
      try (SandboxRuntime rt = SandboxRuntime.create(k, state.config());
          SandboxRuntime unmonitored = SandboxRuntime.create(k, state.config().withMonitoring(false))) {
        rt.reapOrphans();
        try (Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced").violationPolicy(ViolationPolicy.LOG).build())) {
          ExecResult r = s.exec(ExecRequest.of(Duration.ofMinutes(5), "python3", "-c", ATTEMPTS, Integer.toString(count)));
          String[] attempts = r.stdoutText().strip().split("\n");
          List<ViolationEvent> events = r.violations();
          if (events.size() != attempts.length) {
            throw new SandboxFailedException(k + ": " + attempts.length + " attempts but " + events.size() + " events");
          }
          for (int i = 0; i < attempts.length; i++) {
            long attemptNs = Long.parseLong(attempts[i]);
            long eventNs = events.get(i).time().getEpochSecond() * 1_000_000_000L + events.get(i).time().getNano();
            detect.add((eventNs - attemptNs) / 1e6);
          }
        }
        for (int i = 0; i < terminations; i++) {
          try (Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced").build())) {
            ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c",
                "import ctypes, time\nctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0)\ntime.sleep(30)"));
            long endNs = System.currentTimeMillis() * 1_000_000L;
            ViolationEvent e = r.violations().stream().filter(v -> v.syscall().equals("mount")).findFirst()
                .orElseThrow(() -> new SandboxFailedException(k + ": the mount attempt was not reported"));
            long eventNs = e.time().getEpochSecond() * 1_000_000_000L + e.time().getNano();
            gone.add((endNs - eventNs) / 1e6);
          }
        }
        for (int i = 0; i < rounds; i++) {
          on.add(loop(rt));
          off.add(loop(unmonitored));
        }
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("attemptToEvent", detect.summary());
      m.put("eventToSandboxGone", gone.summary());
      m.put("syscallLoopMonitoredMs", on.summary());
      m.put("syscallLoopUnmonitoredMs", off.summary());
      m.put("overheadRatioP50", Samples.round(on.percentile(50) / off.percentile(50)));
      results.put(k.wireName(), m);
      System.out.printf("%-7s attempt-to-event      %s%n", k, detect);
      System.out.printf("%-7s event-to-gone         %s%n", k, gone);
      System.out.printf("%-7s syscall loop on/off   p50 %.1f / %.1f ms (ratio %.3f)%n", k, on.percentile(50), off.percentile(50),
          on.percentile(50) / off.percentile(50));
    }
    report.put("runtimes", results);
    Report.write(json, report);
    return 0;
  }

  /** 200,000 small reads and getppid calls (allowed), timed inside the sandbox. */
  private static double loop(SandboxRuntime rt) {
    try (Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced").build())) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofMinutes(5), "python3", "-c", SYSCALL_LOOP));
      return Double.parseDouble(r.stdoutText().strip()) * 1000;
    }
  }
}
