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

/** {@code sandboxctl profile ls|export|check|catalogue}. */
@Command(name = "profile", mixinStandardHelpOptions = true, description = "Seccomp profiles: list, export, check a file, show the dangerous-syscall catalogue.",
    subcommands = {ProfileCommand.Ls.class, ProfileCommand.Export.class, ProfileCommand.Check.class, ProfileCommand.Catalogue.class})
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
}
