package dev.acgs.sandbox.cli.bench;

import picocli.CommandLine.Command;

/** {@code sandboxctl bench}: measurements, never pass/fail tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks on this host; each prints a table and can write JSON with the raw samples.",
    subcommands = {StartupBench.class, ClaimBench.class, ExecBench.class, DensityBench.class,
        OverheadBench.class, ViolationsBench.class})
public final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
