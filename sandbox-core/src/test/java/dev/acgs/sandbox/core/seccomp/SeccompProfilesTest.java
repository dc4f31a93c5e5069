package dev.acgs.sandbox.core.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SeccompProfilesTest {
  static Set<String> unconditionallyAllowed(SeccompProfile p) {
    return p.syscalls().stream()
        .filter(r -> r.action().equals("SCMP_ACT_ALLOW") && r.args() == null)
        .flatMap(r -> r.names().stream())
        .collect(Collectors.toSet());
  }

  @ParameterizedTest(name = "baseline denies {0}")
  @ValueSource(strings = {
      "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "bpf", "perf_event_open", "userfaultfd",
      "io_uring_setup", "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "reboot",
      "init_module", "finit_module", "delete_module", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
      "pidfd_getfd", "open_by_handle_at", "fsopen", "fsmount", "fspick", "open_tree", "move_mount",
      "mount_setattr", "swapon", "acct", "quotactl", "syslog", "iopl", "ioperm", "clock_settime",
      "settimeofday", "sethostname", "setdomainname", "lookup_dcookie", "vhangup"})
  void dangerousCallsAreNotAllowed_soTheyGetEperm(String call) {
    SeccompProfile p = SeccompProfiles.baseline();
    assertThat(p.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(p.syscalls()).noneMatch(r -> r.names().contains(call) && r.action().equals("SCMP_ACT_ALLOW"));
  }

  @Test
  void commonCallsArePermitted_soPythonAndShellToolsRun() {
    assertThat(unconditionallyAllowed(SeccompProfiles.baseline()))
        .contains("read", "write", "openat", "execve", "mmap", "futex", "wait4", "pipe2", "statx", "getdents64");
  }

  @Test
  void cloneIsAllowedOnlyWithoutNamespaceFlags_soUnshareThroughCloneFails() {
    SeccompProfile.Rule clone = SeccompProfiles.baseline().syscalls().stream()
        .filter(r -> r.names().equals(List.of("clone"))).findFirst().orElseThrow();
    assertThat(clone.args()).singleElement().satisfies(a -> {
      assertThat(a.op()).isEqualTo("SCMP_CMP_MASKED_EQ");
      assertThat(a.value()).isEqualTo(SeccompProfiles.CLONE_NAMESPACE_FLAGS); // the mask
      assertThat(a.valueTwo()).isZero(); // no flag of the mask may be set
    });
    assertThat(SeccompProfiles.baseline().syscalls())
        .anyMatch(r -> r.names().equals(List.of("clone3")) && r.errnoRet() == SeccompProfiles.ENOSYS);
  }

  @Test
  void socketFamiliesAlgAndVsockAreNeverAllowed_soKernelCryptoAndHostVsockAreUnreachable() {
    List<SeccompProfile.Rule> socket = SeccompProfiles.baseline().syscalls().stream()
        .filter(r -> r.names().equals(List.of("socket"))).toList();
    for (long family : List.of(38L, 40L)) {
      assertThat(socket).noneMatch(r -> r.args().stream().anyMatch(a -> allows(a, family)));
    }
    for (long family : List.of(1L, 2L, 10L, 16L, 39L, 44L)) {
      assertThat(socket).anyMatch(r -> r.args().stream().allMatch(a -> allows(a, family)));
    }
  }

  static boolean allows(SeccompProfile.Arg a, long v) {
    return switch (a.op()) {
      case "SCMP_CMP_LT" -> v < a.value();
      case "SCMP_CMP_EQ" -> v == a.value();
      default -> false;
    };
  }

  @Test
  void personalityIsAllowedOnlyForDockersFiveValues() {
    assertThat(SeccompProfiles.baseline().syscalls()).filteredOn(r -> r.names().equals(List.of("personality")))
        .extracting(r -> r.args().getFirst().value())
        .containsExactlyInAnyOrder(0L, 8L, 0x20000L, 0x20008L, 0xffffffffL);
  }

  @Test
  void anUnknownSyscallNameIsAnErrorNamingTheEntry() {
    assertThatThrownBy(() -> SeccompProfile.Rule.allow(List.of("read", "frobnicate")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'frobnicate' is not an x86_64 system call");
  }

  @Test
  void anUnknownActionIsAnErrorNamingTheRule() {
    assertThatThrownBy(() -> new SeccompProfile.Rule(List.of("read"), "SCMP_ACT_MAYBE", null, null))
        .hasMessageContaining("SCMP_ACT_MAYBE").hasMessageContaining("[read]");
  }

  @Test
  void twoUnconditionalRulesForOneCallAreRefused_becauseRuntimesDisagreeOnWhichWins() {
    assertThatThrownBy(() -> new SeccompProfile("SCMP_ACT_ERRNO", 1, List.of(), List.of(
        SeccompProfile.Rule.allow(List.of("read", "mkdir")),
        new SeccompProfile.Rule(List.of("mkdir"), "SCMP_ACT_ERRNO", 1, null))))
        .hasMessageContaining("'mkdir' has two unconditional rules");
  }

  @Test
  void theCatalogueCoversEveryDangerousCallOfTheSecurityReference() {
    List<String> items21to30 = List.of("unshare", "setns", "clone", "clone3", "fsopen", "fsconfig", "fsmount", "fspick",
        "open_tree", "move_mount", "mount_setattr", "mount", "umount2", "pivot_root", "chroot", "bpf", "perf_event_open",
        "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key",
        "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "process_vm_readv",
        "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise", "ptrace", "socket", "personality", "modify_ldt",
        "iopl", "ioperm", "clock_settime", "settimeofday", "sethostname", "setdomainname", "execveat",
        "init_module", "finit_module", "delete_module", "open_by_handle_at");
    assertThat(DangerousSyscalls.all()).extracting(DangerousSyscalls.Entry::syscall).containsAll(items21to30);
    assertThat(DangerousSyscalls.byName("socket").orElseThrow().argRule().orElseThrow().matches(17)).isTrue();
    assertThat(DangerousSyscalls.byName("socket").orElseThrow().argRule().orElseThrow().matches(2)).isFalse();
    assertThat(DangerousSyscalls.byName("clone").orElseThrow().argRule().orElseThrow().matches(0x10000000L | 17)).isTrue();
    assertThat(DangerousSyscalls.byName("clone").orElseThrow().argRule().orElseThrow().matches(0x3d0f00)).isFalse();
    assertThat(DangerousSyscalls.byName("personality").orElseThrow().argRule().orElseThrow().matches(0xffffffffL)).isFalse();
    assertThat(DangerousSyscalls.byNumber(165)).hasValueSatisfying(e -> assertThat(e.syscall()).isEqualTo("mount"));
  }

  @Test
  void enhancedAllowsNoCatalogueCallUnconditionally() {
    SeccompProfile p = SeccompProfiles.enhanced();
    for (DangerousSyscalls.Entry e : DangerousSyscalls.all()) {
      assertThat(p.syscalls()).as(e.syscall()).noneMatch(r -> r.args() == null && r.action().equals("SCMP_ACT_ALLOW")
          && r.names().contains(e.syscall()));
    }
    assertThat(unconditionallyAllowed(p)).contains("read", "openat", "execve", "futex", "wait4", "pipe2")
        .doesNotContain("memfd_secret", "modify_ldt", "execveat");
  }

  @Test
  void strictIsTheBriefsFifteenCallsAndNoInterpreterCanStartUnderIt() {
    assertThat(unconditionallyAllowed(SeccompProfiles.strict())).hasSize(15)
        .doesNotContain("execve", "openat", "clone", "arch_prctl");
  }

  @Test
  void profilesRoundTripThroughOciJson(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    for (String name : SeccompProfiles.names()) {
      java.nio.file.Path f = dir.resolve(name + ".json");
      java.nio.file.Files.writeString(f, SeccompProfiles.toJson(SeccompProfiles.byName(name)));
      assertThat(SeccompProfiles.load(f)).isEqualTo(SeccompProfiles.byName(name));
    }
    java.nio.file.Path bad = dir.resolve("bad.json");
    java.nio.file.Files.writeString(bad, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"frobnicate\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
    assertThatThrownBy(() -> SeccompProfiles.load(bad)).hasMessageContaining("'frobnicate' is not an x86_64 system call");
    java.nio.file.Files.writeString(bad, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flavour\":1}");
    assertThatThrownBy(() -> SeccompProfiles.load(bad)).hasMessageContaining("flavour");
  }

  @Test
  void anUnknownProfileNameListsTheBuiltInOnes() {
    assertThatThrownBy(() -> SeccompProfiles.byName("lenient")).hasMessageContaining("baseline");
  }

  @Test
  void theSyscallTableKnowsNumbersBothWays() {
    assertThat(Syscalls.number("mount")).hasValue(165);
    assertThat(Syscalls.number("unshare")).hasValue(272);
    assertThat(Syscalls.name(321)).hasValue("bpf");
    assertThat(Syscalls.number("mseal")).hasValue(462);
  }

  @Test
  void decideEvaluatesArgumentRulesAsTheKernelFilterDoes() {
    SeccompProfile enhanced = SeccompProfiles.enhanced();
    int socket = Syscalls.number("socket").orElseThrow();
    int clone = Syscalls.number("clone").orElseThrow();
    assertThat(enhanced.decide(socket, 2).allowed()).as("AF_INET").isTrue();
    assertThat(enhanced.decide(socket, 17).allowed()).as("AF_PACKET").isFalse();
    assertThat(SeccompProfiles.baseline().decide(socket, 17).allowed()).as("baseline lets AF_PACKET reach the kernel").isTrue();
    assertThat(enhanced.decide(clone, 0x11).allowed()).as("fork-like clone").isTrue();
    assertThat(enhanced.decide(clone, 0x10000000L).allowed()).as("CLONE_NEWUSER").isFalse();
    assertThat(enhanced.decide(Syscalls.number("clone3").orElseThrow())).isEqualTo(new SeccompProfile.Decision("SCMP_ACT_ERRNO", 38));
    assertThat(enhanced.decide(Syscalls.number("mount").orElseThrow())).isEqualTo(new SeccompProfile.Decision("SCMP_ACT_ERRNO", 1));
    assertThat(enhanced.decide(Syscalls.number("read").orElseThrow()).allowed()).isTrue();
    assertThat(enhanced.decide(400).allowed()).as("a number with no call behind it falls to the default").isFalse();
  }

  @Test
  void aRecordedProfileAllowsOnlyWhatWasSeenAndNeverMoreThanEnhanced() {
    List<String> used = List.of("read", "write", "exit_group", "socket", "mount", "clone");
    SeccompProfile p = SeccompProfiles.recorded(used);
    java.util.Set<String> expected = new java.util.HashSet<>(SeccompProfiles.RUNTIME_START);
    expected.addAll(List.of("read", "write"));
    assertThat(unconditionallyAllowed(p)).containsExactlyInAnyOrderElementsOf(expected);
    int socket = Syscalls.number("socket").orElseThrow();
    assertThat(p.decide(socket, 2).allowed()).as("AF_INET, as enhanced").isTrue();
    assertThat(p.decide(socket, 17).allowed()).as("AF_PACKET, as enhanced").isFalse();
    assertThat(p.decide(Syscalls.number("clone").orElseThrow(), 0x10000000L).allowed()).as("CLONE_NEWUSER").isFalse();
    assertThat(p.decide(Syscalls.number("mount").orElseThrow()).allowed()).isFalse();
    assertThat(p.decide(Syscalls.number("openat").orElseThrow()).allowed()).as("never seen").isFalse();
    assertThat(p.decide(Syscalls.number("personality").orElseThrow()).allowed()).as("never seen").isFalse();
    assertThat(SeccompProfiles.leftOut(used)).containsExactly("mount");
  }

  @Test
  void enhancedLetsAProcessLowerItsPriorityButNeverRaiseIt() {
    SeccompProfile p = SeccompProfiles.enhanced();
    int setpriority = Syscalls.number("setpriority").orElseThrow();
    assertThat(p.decide(setpriority, 0, 0, 10).allowed()).isTrue();
    assertThat(p.decide(setpriority, 0, 0, 0).allowed()).isTrue();
    assertThat(p.decide(setpriority, 0, 0, -20L).allowed()).as("sign-extended -20").isFalse();
    assertThat(p.decide(setpriority, 0, 0, 0xFFFFFFECL).allowed()).as("-20 in the low half only").isFalse();
  }
}
