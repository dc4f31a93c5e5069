package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The seccomp profiles against real sandboxes: enhanced runs agent code and denies the whole catalogue. */
class ProfilesIT {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Arguments that make each catalogued call dangerous (its rule's trigger), zeros otherwise. */
  static List<Object> triggering(DangerousSyscalls.Entry e) {
    long a0 = switch (e.syscall()) {
      case "clone" -> 0x10000000L | 17; // CLONE_NEWUSER | SIGCHLD
      case "socket" -> 17; // AF_PACKET
      case "personality" -> 0x0400000L; // READ_IMPLIES_EXEC
      case "unshare" -> 0x10000000L; // CLONE_NEWUSER
      default -> 0;
    };
    long a1 = e.syscall().equals("socket") ? 3 : 0; // SOCK_RAW
    return List.of(e.syscall(), e.number(), List.of(a0, a1, 0, 0, 0, 0));
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aTypicalPythonWorkloadRunsUnderEnhanced(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced").build())) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c", TestHost.probe("workload_suite.py")));
      assertThat(r.stdoutText()).as("stderr: %s", r.stderrText()).endsWith("suite ok\n").doesNotContain("FAILED");
      assertThat(r.exitCode()).isZero();
      assertThat(r.violations()).as("no false positives").isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void everyCatalogueEntryIsDeniedUnderEnhanced(RuntimeKind k) throws Exception {
    List<Object> calls = new ArrayList<>();
    DangerousSyscalls.all().forEach(e -> calls.add(triggering(e)));
    // LOG: this test is about the filter denying every call, so the sandbox must outlive the first critical one
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().seccompProfile("enhanced")
        .violationPolicy(dev.acgs.sandbox.core.monitor.ViolationPolicy.LOG).build())) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c", TestHost.probe("catalogue.py"),
          JSON.writeValueAsString(calls)));
      assertThat(r.exitCode()).as(r.stderrText()).isZero();
      JsonNode results = JSON.readTree(r.stdout());
      int denied = 0;
      for (DangerousSyscalls.Entry e : DangerousSyscalls.all()) {
        JsonNode res = results.get(e.syscall());
        assertThat(res.get(0).asLong()).as("%s returned", e.syscall()).isEqualTo(-1);
        // clone3 answers ENOSYS so that libc falls back to the filtered clone
        assertThat(res.get(1).asText()).as("%s errno", e.syscall()).isEqualTo(e.syscall().equals("clone3") ? "ENOSYS" : "EPERM");
        denied++;
      }
      System.out.printf("[%s] enhanced denied %d of %d catalogue calls%n", k, denied, DangerousSyscalls.all().size());
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void nothingStartsUnderTheBriefsStrictFifteenCallProfile(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k)) {
      assertThatThrownBy(() -> rt.create(SandboxSpec.builder().seccompProfile("strict").build()))
          .isInstanceOf(SandboxFailedException.class)
          .hasMessageContaining("seccomp profile 'strict'")
          .hasMessageContaining("execve");
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aProfileFileIsEnforcedLikeABuiltInOne(RuntimeKind k, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("p.json");
    // enhanced without mkdir and mkdirat in its allowlist: visible from a shell
    SeccompProfile enhanced = SeccompProfiles.enhanced();
    List<SeccompProfile.Rule> rules = new ArrayList<>(enhanced.syscalls());
    rules.set(0, SeccompProfile.Rule.allow(rules.getFirst().names().stream()
        .filter(n -> !n.equals("mkdir") && !n.equals("mkdirat")).toList()));
    Files.writeString(file, SeccompProfiles.toJson(new SeccompProfile(enhanced.defaultAction(), enhanced.defaultErrnoRet(),
        enhanced.architectures(), rules)));
    try (TestHost.Tracked rt = TestHost.runtime(k);
        Sandbox s = rt.create(SandboxSpec.builder().seccompProfile(SeccompProfiles.load(file)).build())) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(30), "sh", "-c", "mkdir /tmp/d; echo rc=$?; touch /tmp/f; echo rc=$?"));
      assertThat(r.stdoutText()).isEqualTo("rc=1\nrc=0\n");
      assertThat(r.stderrText()).contains("Operation not permitted");
    }
  }
}
