package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sandboxctl profile ls|export|check|catalogue|sweep|record}. */
@Command(name = "profile", mixinStandardHelpOptions = true, description = "Seccomp profiles: list, export, check a file, show the dangerous-syscall catalogue, sweep every call number, record a workload's own profile.",
    subcommands = {ProfileCommand.Ls.class, ProfileCommand.Export.class, ProfileCommand.Check.class, ProfileCommand.Catalogue.class,
        ProfileCommand.Sweep.class, RecordCommand.class})
public final class ProfileCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "Lists the built-in profiles.")
  static final class Ls implements Callable<Integer> {
    @Override
    public Integer call() {
      for (String n : SeccompProfiles.names()) {
        SeccompProfile p = SeccompProfiles.byName(n);
        long allowed = p.syscalls().stream().filter(r -> r.action().equals("SCMP_ACT_ALLOW") && r.args() == null)
            .mapToLong(r -> r.names().size()).sum();
        System.out.printf("%-9s default %-15s %3d calls allowed unconditionally, %d rules%n", n, p.defaultAction(), allowed,
            p.syscalls().size());
      }
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true, description = {
      "Writes a built-in profile as OCI/Docker seccomp JSON. The same file is a Kubernetes Localhost profile:",
      "copy it to /var/lib/kubelet/seccomp/profiles/NAME.json on each node and reference",
      "seccompProfile: {type: Localhost, localhostProfile: profiles/NAME.json}."})
  static final class Export implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "baseline, enhanced or strict")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of standard output.")
    Path output;

    @Override
    public Integer call() throws IOException {
      String json = SeccompProfiles.toJson(SeccompProfiles.byName(name)) + "\n";
      if (output == null) {
        System.out.print(json);
      } else {
        Files.writeString(output, json);
        System.err.println("wrote " + output);
      }
      return 0;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true, description = "Validates a profile file; an unknown field, action or syscall name is reported with its entry.")
  static final class Check implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      SeccompProfile p = SeccompProfiles.load(file);
      System.out.println(file + ": valid, default " + p.defaultAction() + ", " + p.syscalls().size() + " rules");
      return 0;
    }
  }

  @Command(name = "catalogue", mixinStandardHelpOptions = true, description = "Prints the dangerous-syscall catalogue.")
  static final class Catalogue implements Callable<Integer> {
    @Override
    public Integer call() {
      for (DangerousSyscalls.Entry e : DangerousSyscalls.all()) {
        System.out.printf("%-18s %3d  %-22s %-8s %s%s%n", e.syscall(), e.number(), e.category(), e.severity(), e.why(),
            e.argRule().map(r -> " [only " + r.describe() + "]").orElse(""));
      }
      return 0;
    }
  }

  @Command(name = "sweep", mixinStandardHelpOptions = true, description = {
      "Makes every x86_64 call number (0 to the highest known, gaps included) with zero arguments inside a sandbox,",
      "each in its own child process, and checks each against the profile: every number the profile denies must",
      "come back with the profile's errno (blocked), and the runtime's violation reports are counted.",
      "Exit status 1 if any denied number was not blocked.",
      "Example:  sandboxctl profile sweep --runtime all --profile baseline --profile enhanced --report sweep.md"})
  static final class Sweep implements Callable<Integer> {
    @picocli.CommandLine.Mixin StateOptions state;

    @Option(names = "--runtime", defaultValue = "all", paramLabel = "gvisor|runc|all", description = "Runtime(s) (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Option(names = "--profile", paramLabel = "NAME|FILE", description = "Profile(s) to sweep (repeatable; default: baseline and enhanced).")
    java.util.List<String> profiles = java.util.List.of("baseline", "enhanced");

    @Option(names = "--image", defaultValue = "default", paramLabel = "NAME", description = "Image with python3 (default: ${DEFAULT-VALUE}).")
    String image;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every row of every sweep as JSON.")
    Path json;

    @Option(names = "--report", paramLabel = "FILE.md", description = "Write a Markdown report.")
    Path report;

    @Override
    public Integer call() throws IOException {
      java.util.List<dev.acgs.sandbox.runtime.RuntimeKind> kinds = runtime.equals("all")
          ? dev.acgs.sandbox.runtime.RuntimeKind.local()
          : java.util.List.of(dev.acgs.sandbox.runtime.RuntimeKind.parse(runtime));
      java.util.List<dev.acgs.sandbox.runtime.sweep.SweepReport> reports = new java.util.ArrayList<>();
      for (var kind : kinds) {
        try (var rt = dev.acgs.sandbox.runtime.SandboxRuntime.create(kind, state.config())) {
          rt.checkAvailable();
          for (String profile : profiles) {
            System.err.printf("sweeping %d call numbers on %s under %s...%n",
                dev.acgs.sandbox.runtime.sweep.SyscallSweep.numbers().size(), kind.wireName(), profile);
            var r = dev.acgs.sandbox.runtime.sweep.SyscallSweep.run(rt,
                SpecOptions.withProfile(dev.acgs.sandbox.core.model.SandboxSpec.builder().image(image), profile).build());
            reports.add(new dev.acgs.sandbox.runtime.sweep.SweepReport(r.runtime(), profile, r.rows()));
          }
        }
      }
      String table = SweepText.table(reports);
      System.out.print(table);
      if (json != null) {
        Files.writeString(json, new com.fasterxml.jackson.databind.ObjectMapper()
            .writerWithDefaultPrettyPrinter().writeValueAsString(reports) + "\n");
        System.err.println("wrote " + json);
      }
      if (report != null) {
        Files.writeString(report, SweepText.markdown(reports));
        System.err.println("wrote " + report);
      }
      return reports.stream().anyMatch(r -> !r.leaks().isEmpty()) ? 1 : 0;
    }
  }
}
