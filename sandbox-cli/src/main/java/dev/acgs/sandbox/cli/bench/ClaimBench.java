package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.cli.commands.StateOptions;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.server.pool.Template;
import dev.acgs.sandbox.server.pool.WarmPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Warm-pool claims. claim-to-ready: from the claim until a started sandbox is in hand.
 * claim-to-first-output: from the claim until the first stdout bytes of {@code python3 -c print(...)}
 * arrive. Between claims the pool is allowed to refill, so each claim measures a warm hit.
 */
@Command(name = "claim", mixinStandardHelpOptions = true,
    description = {"Warm-pool claims: claim-to-ready and claim-to-first-output of a Python print, P50/P95/P99/max.",
        "Example:  sandboxctl bench claim -n 100 --json claim.json"})
public final class ClaimBench implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--runtime", defaultValue = "gvisor", paramLabel = "gvisor|runc", description = "Runtime (default: ${DEFAULT-VALUE}).")
  String runtime;

  @Option(names = {"-n", "--count"}, defaultValue = "100", description = "Measured claims (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--pool", defaultValue = "4", description = "Pool size kept warm (default: ${DEFAULT-VALUE}).")
  int poolSize;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the report with raw samples here.")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (count < 1 || poolSize < 1) {
      throw new InvalidSpecException("-n", "count and pool size must be at least 1");
    }
    RuntimeKind kind = RuntimeKind.parse(runtime);
    Samples ready = new Samples();
    Samples firstOutput = new Samples();
    int misses = 0;
    try (SandboxRuntime rt = SandboxRuntime.create(kind, state.config())) {
      rt.reapOrphans();
      Template t = new Template("bench", "default", kind, ResourceLimits.DEFAULT, "baseline", poolSize, poolSize);
      try (WarmPool pool = new WarmPool(t, rt)) {
        for (int i = 0; i < count; i++) {
          waitForReady(pool, poolSize);
          long t0 = System.nanoTime();
          Optional<Sandbox> claimed = pool.claim();
          long tReady = System.nanoTime();
          if (claimed.isEmpty()) {
            misses++;
            continue;
          }
          try (Sandbox s = claimed.get()) {
            CompletableFuture<Long> first = new CompletableFuture<>();
            s.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c", "print('hello from the sandbox')"),
                ExecIo.streaming(chunk -> first.complete(System.nanoTime()), chunk -> {}));
            ready.add((tReady - t0) / 1e6);
            firstOutput.add((first.getNow(System.nanoTime()) - t0) / 1e6);
          }
          if ((i + 1) % 10 == 0) {
            System.err.printf("\rclaims: %d/%d", i + 1, count);
          }
        }
        System.err.println();
      }
    }
    System.out.printf("%-7s claim-to-ready         %s%n", kind, ready);
    System.out.printf("%-7s claim-to-first-output  %s%n", kind, firstOutput);
    if (misses > 0) {
      System.out.println(misses + " claims found the pool empty and were not measured");
    }
    if (json != null) {
      Map<String, Object> report = Report.start("claim");
      report.put("runtime", kind.wireName());
      report.put("poolSize", poolSize);
      report.put("count", count);
      report.put("misses", misses);
      report.put("claimToReady", ready.summary());
      report.put("claimToFirstOutput", firstOutput.summary());
      Report.write(json, report);
    }
    return 0;
  }

  private static void waitForReady(WarmPool pool, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (pool.state().ready() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
