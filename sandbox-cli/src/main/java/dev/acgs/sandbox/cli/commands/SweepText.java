package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.runtime.sweep.SweepReport;
import java.util.List;
import java.util.stream.Collectors;

/** The syscall sweep's summary table and Markdown report. */
final class SweepText {
  private SweepText() {}

  static String table(List<SweepReport> reports) {
    StringBuilder b = new StringBuilder(String.format("%-7s %-10s %7s %7s %7s %7s %9s %6s%n",
        "RUNTIME", "PROFILE", "NUMBERS", "ALLOWED", "DENIED", "BLOCKED", "REPORTED", "LEAKS"));
    for (SweepReport r : reports) {
      b.append(String.format("%-7s %-10s %7d %7d %7d %7d %9d %6d%n", r.runtime(), r.profile(), r.rows().size(),
          r.allowed(), r.denied(), r.blocked(), r.reported(), r.leaks().size()));
      for (SweepReport.Row leak : r.leaks()) {
        b.append(String.format("  LEAK: %s (%d) is denied by the profile but returned %s%n", leak.name(), leak.number(),
            leak.observed()));
      }
      for (SweepReport.Row x : r.passedByKernel()) {
        b.append(String.format("  kernel exemption: %s (%d) passes every seccomp filter by design; outside a uprobe"
            + " trampoline it returned %s%n", x.name(), x.number(), x.observed()));
      }
    }
    return b.toString();
  }

  static String markdown(List<SweepReport> reports) {
    StringBuilder b = new StringBuilder("# Syscall sweep\n\n")
        .append("Every x86_64 call number from 0 to the highest known (gaps included) made with six zero arguments,\n")
        .append("each in a child process of its own, inside one sandbox per runtime and profile (`sandboxctl profile sweep`).\n")
        .append("*Denied*: what the profile decides for that number with zero arguments. *Blocked*: denied and answered\n")
        .append("with the profile's errno. *Reported*: denied and seen by the runtime's violation monitor. A *leak* is a\n")
        .append("denied number that was not blocked. ENOSYS counts as blocked (the call did nothing; runc's filter answers\n")
        .append("it for numbers newer than its libseccomp).\n\n")
        .append("| runtime | profile | numbers | allowed | denied | blocked | reported | leaks |\n")
        .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (SweepReport r : reports) {
      b.append(String.format("| %s | %s | %d | %d | %d | %d | %d | %d |%n", r.runtime(), r.profile(), r.rows().size(),
          r.allowed(), r.denied(), r.blocked(), r.reported(), r.leaks().size()));
    }
    for (SweepReport r : reports) {
      b.append("\n## ").append(r.runtime()).append(" / ").append(r.profile()).append("\n\n");
      b.append("Leaks: ").append(r.leaks().isEmpty() ? "none" : names(r.leaks())).append("\n\n");
      b.append("Passed by the host kernel's seccomp exemption for uprobes (harmless outside a uprobe trampoline): ")
          .append(r.passedByKernel().isEmpty() ? "none" : r.passedByKernel().stream()
              .map(x -> x.name() + " → " + x.observed()).collect(Collectors.joining(", "))).append("\n\n");
      b.append("Blocked but not reported: ").append(r.unreported().isEmpty() ? "none" : names(r.unreported())).append("\n");
    }
    return b.toString();
  }

  private static String names(List<SweepReport.Row> rows) {
    return rows.stream().map(x -> x.name().equals("-") ? "#" + x.number() : x.name()).collect(Collectors.joining(", "));
  }
}
