package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import dev.acgs.sandbox.runtime.sweep.SweepReport;
import dev.acgs.sandbox.runtime.sweep.SyscallSweep;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The syscall sweep: every call number, zero arguments, inside a sandbox. Every number the profile
 * denies is blocked (the host kernel's uprobe exemptions aside, which only harm their caller), and
 * each blocked call is reported: all of them on gVisor, the catalogue's on runc.
 */
class SweepIT {
  static Stream<Arguments> cases() {
    return RuntimeKind.local().stream().flatMap(k -> Stream.of("baseline", "enhanced").map(p -> Arguments.of(k, p)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void everyNumberOutsideTheAllowlistIsBlocked(RuntimeKind k, String profile) {
    SweepReport r;
    try (TestHost.Tracked rt = TestHost.runtime(k)) {
      r = SyscallSweep.run(rt.runtime, SandboxSpec.builder().seccompProfile(profile).build());
    }
    System.out.printf("[sweep %s %s] numbers %d, allowed %d, denied %d, blocked %d, reported %d, leaks %d, kernel-exempt %s%n",
        k, profile, r.rows().size(), r.allowed(), r.denied(), r.blocked(), r.reported(), r.leaks().size(),
        r.passedByKernel().stream().map(x -> x.name() + "=" + x.observed()).toList());
    assertThat(r.rows()).hasSize(SyscallSweep.numbers().size());
    assertThat(r.leaks()).as("denied numbers that were not blocked").isEmpty();
    assertThat(r.passedByKernel()).allSatisfy(x -> assertThat(x.observed()).isIn("signal 4", "errno 6"));
    assertThat(r.rows()).filteredOn(x -> x.name().equals("mount")).singleElement()
        .satisfies(x -> assertThat(x.blocked()).isTrue());
    Set<String> catalogued = DangerousSyscalls.all().stream().filter(e -> e.argRule().isEmpty())
        .map(DangerousSyscalls.Entry::syscall).collect(Collectors.toSet());
    if (k == RuntimeKind.GVISOR) {
      // clone3 passes the Sentry's filter on purpose and the Sentry answers ENOSYS (GvisorRuntime.adaptSeccomp)
      assertThat(r.unreported()).extracting(SweepReport.Row::name).containsOnly("clone3");
    } else {
      assertThat(r.unreported()).extracting(SweepReport.Row::name).as("catalogue calls are reported on runc")
          .doesNotContainAnyElementsOf(catalogued.stream().filter(n -> !n.equals("clone3")).toList());
      // every named call is reported but: socket(0) (a conditionally allowed call outside its rules), clone3
      // (ENOSYS on purpose) and calls newer than runc's libseccomp, which its filter answers ENOSYS; numbers
      // with no name cannot be named in a rule (RuncRuntime.monitorSeccomp)
      assertThat(r.unreported()).filteredOn(x -> !x.name().equals("-"))
          .allSatisfy(x -> assertThat(x.name().equals("socket") || x.observed().equals("errno 38")).as(x.toString()).isTrue());
    }
  }
}
