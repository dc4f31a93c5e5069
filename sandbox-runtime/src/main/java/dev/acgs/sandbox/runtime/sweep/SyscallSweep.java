package dev.acgs.sandbox.runtime.sweep;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.monitor.ViolationPolicy;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.core.seccomp.Syscalls;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The syscall sweep: inside one sandbox, every x86_64 call number from 0 to the highest the table
 * knows is made with six zero arguments, each in a child process of its own; what came back is
 * compared with what the sandbox's profile decides for that number, and with the violations the
 * runtime reported. A number the profile denies but that came back with anything else than the
 * profile's errno is a leak.
 */
public final class SyscallSweep {
  private static final String SCRIPT = loadScript();
  private static final int ENOSYS = 38;

  /**
   * Calls the host kernel lets through every seccomp filter by design (kernel/seccomp.c,
   * {@code seccomp_uprobe_exception}, Linux 6.11 on): the uprobe trampolines must work in filtered
   * processes. Made from anywhere else, uretprobe kills the caller with SIGILL and uprobe returns
   * ENXIO. No profile can deny them on runc; gVisor's Sentry does not implement them.
   */
  public static final java.util.Set<String> KERNEL_EXEMPT = java.util.Set.of("uretprobe", "uprobe");

  private SyscallSweep() {}

  /** The numbers swept: 0 up to the highest in the x86_64 table, gaps included. */
  public static List<Integer> numbers() {
    int max = Syscalls.all().values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    return IntStream.rangeClosed(0, max).boxed().toList();
  }

  /**
   * Sweeps in a fresh sandbox made from {@code spec} (its violation policy is set to log, so that
   * critical calls do not end the sweep), then destroys the sandbox.
   */
  public static SweepReport run(SandboxRuntime runtime, SandboxSpec spec) {
    SeccompProfile profile = spec.resolveSeccomp();
    List<Integer> numbers = numbers();
    String arg = numbers.stream().map(String::valueOf).collect(Collectors.joining(","));
    ExecResult r;
    try (Sandbox s = runtime.create(spec.toBuilder().violationPolicy(ViolationPolicy.LOG).build())) {
      r = s.exec(ExecRequest.of(Duration.ofMinutes(5), "python3", "-c", SCRIPT, arg));
    }
    if (r.exitCode() != 0 || r.termination().isPresent()) {
      throw new SandboxFailedException("the sweep did not finish (exit " + r.exitCode() + ", "
          + r.termination().map(Object::toString).orElse("no termination") + "): " + r.stderrText().strip()
          + " — the sweep needs python3 with ctypes in the image (the default image has it)");
    }
    Set<Integer> reported = new HashSet<>();
    for (ViolationEvent v : r.violations()) {
      reported.add(v.number());
    }
    List<SweepReport.Row> rows = new ArrayList<>();
    for (String line : r.stdoutText().split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length != 3) {
        continue;
      }
      int nr = Integer.parseInt(f[0]);
      SeccompProfile.Decision d = profile.decide(nr);
      String observed = switch (f[1]) {
        case "ret" -> Integer.parseInt(f[2]) == 0 ? "ok" : "errno " + f[2];
        case "signal" -> "signal " + f[2];
        default -> "exit " + f[2];
      };
      // ENOSYS also means the call did nothing: runc's filter answers it for numbers newer than its libseccomp
      boolean blocked = !d.allowed() && (observed.equals("errno " + d.errno()) || observed.equals("errno " + ENOSYS));
      String name = Syscalls.name(nr).orElse("-");
      rows.add(new SweepReport.Row(nr, name, d.allowed() ? "allowed" : "denied", observed, blocked,
          reported.contains(nr), KERNEL_EXEMPT.contains(name)));
    }
    if (rows.size() != numbers.size()) {
      throw new SandboxFailedException("the sweep reported " + rows.size() + " of " + numbers.size() + " numbers: "
          + r.stderrText().strip());
    }
    return new SweepReport(runtime.kind().wireName(), spec.seccompProfile(), rows);
  }

  private static String loadScript() {
    try (InputStream in = SyscallSweep.class.getResourceAsStream("sweep.py")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
