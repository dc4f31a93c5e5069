package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.monitor.ViolationPolicy;
import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both violation sources — gVisor's Sentry boot log, runc's seccomp user notification: every denied
 * catalogue call is seen once, with the right sandbox and syscall, the terminate policy ends the
 * sandbox on a critical one, and a flood is counted without stalling anyone.
 */
class ViolationsIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void everyCatalogueCallIsDeniedAndSeenExactlyOnceInTheRightSandbox(RuntimeKind k) throws Exception {
    try (TestHost.Tracked rt = TestHost.runtime(k);
        Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced").violationPolicy(ViolationPolicy.LOG).build());
        Sandbox neighbour = rt.create(SandboxSpec.builder().seccompProfile("enhanced").build())) {
      int detected = 0;
      List<String> missed = new ArrayList<>();
      for (DangerousSyscalls.Entry e : DangerousSyscalls.all()) {
        ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c", TestHost.probe("catalogue.py"),
            JSON.writeValueAsString(List.of(ProfilesIT.triggering(e)))));
        assertThat(r.exitCode()).as(r.stderrText()).isZero();
        List<ViolationEvent> seen = r.violations().stream().filter(v -> v.number() == e.number()).toList();
        if (e.syscall().equals("clone3")) {
          // answers ENOSYS so that libc falls back to the filtered clone: not a violation, by design
          assertThat(seen).isEmpty();
          continue;
        }
        if (seen.size() == 1 && seen.getFirst().sandboxId().equals(s.id()) && seen.getFirst().syscall().equals(e.syscall())) {
          detected++;
        } else {
          missed.add(e.syscall() + " seen " + seen.size() + "x");
        }
      }
      int expected = DangerousSyscalls.all().size() - 1;
      System.out.printf("[%s] detection rate over the catalogue: %d/%d (%.1f%%)%n", k, detected, expected, 100.0 * detected / expected);
      assertThat(missed).isEmpty();
      assertThat(detected).isEqualTo(expected);
      assertThat(neighbour.violations().all()).as("nothing attributed to the neighbour").isEmpty();
      assertThat(s.violations().all()).allSatisfy(v -> assertThat(v.sandboxId()).isEqualTo(s.id()));
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aCriticalCallUnderTheTerminatePolicyEndsTheSandboxAndTheResultNamesIt(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k);
        Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced").build())) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c",
          "import ctypes, time\nctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0)\ntime.sleep(20)\nprint('survived')"));
      assertThat(r.termination()).contains(ExecResult.Termination.POLICY_VIOLATION);
      assertThat(r.stdoutText()).doesNotContain("survived");
      assertThat(r.duration()).isLessThan(Duration.ofSeconds(10));
      assertThat(r.violations()).extracting(ViolationEvent::syscall).contains("mount");
      assertThat(s.isAlive()).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aHundredThousandDeniedCallsAreCountedNotAllKeptAndTheNeighbourCarriesOn(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k);
        Sandbox flood = rt.create(SandboxSpec.builder().seccompProfile("enhanced").violationPolicy(ViolationPolicy.LOG).build());
        Sandbox neighbour = rt.create(SandboxSpec.builder().seccompProfile("enhanced").violationPolicy(ViolationPolicy.LOG).build())) {
      ExecResult r = flood.exec(ExecRequest.of(Duration.ofSeconds(120), "python3", "-c",
          "import ctypes\nl = ctypes.CDLL(None)\nfor _ in range(100000): l.syscall(250, 0, 0, 0, 0, 0)\nprint('done')"));
      assertThat(r.stdoutText()).isEqualTo("done\n");
      ExecResult n = neighbour.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c",
          "import ctypes; ctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0); print('ok')"));
      assertThat(n.stdoutText()).isEqualTo("ok\n");
      assertThat(n.violations()).extracting(ViolationEvent::syscall).containsExactly("mount");
      assertThat(flood.violations().total()).isEqualTo(100_000);
      assertThat(flood.violations().all()).allSatisfy(v -> assertThat(v.sandboxId()).isEqualTo(flood.id()));
      assertThat(flood.violations().all()).hasSize(dev.acgs.sandbox.runtime.monitor.ViolationLog.KEEP);
      assertThat(flood.violations().suppressed()).containsEntry("keyctl", 100_000L - dev.acgs.sandbox.runtime.monitor.ViolationLog.KEEP);
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aFloodOfHarmlessDenialsDoesNotHideACriticalCallFromTheTerminatePolicy(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k);
        Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced").build())) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c",
          "import ctypes, time\nl = ctypes.CDLL(None)\nfor _ in range(3000): l.syscall(250, 0, 0, 0, 0, 0)\n"
              + "l.syscall(165, 0, 0, 0, 0, 0)\ntime.sleep(20)\nprint('survived')"));
      assertThat(r.termination()).contains(ExecResult.Termination.POLICY_VIOLATION);
      assertThat(r.stdoutText()).doesNotContain("survived");
      assertThat(s.violations().suppressed()).containsKey("mount");
    }
  }
}
