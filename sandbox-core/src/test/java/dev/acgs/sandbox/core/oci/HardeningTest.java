package dev.acgs.sandbox.core.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.model.SandboxUser;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each test names the attack the hardened default stops. */
class HardeningTest {
  static final Hardening.HostContext HOST =
      new Hardening.HostContext(Path.of("/images/x/rootfs"), Path.of("/state/agent/abc"), "/acgs/acgs-1",
          Optional.empty(), SeccompProfiles.baseline(), 128, Map.of());

  static OciSpec harden(SandboxSpec spec) {
    return Hardening.toOciSpec(spec, HOST);
  }

  static OciSpec defaults() {
    return harden(SandboxSpec.builder().build());
  }

  @Test
  void processesRunAsUid1000NeverRoot_soRootOnlyKernelPathsAreClosed() {
    OciSpec.User u = defaults().process().user();
    assertThat(u.uid()).isEqualTo(1000);
    assertThat(u.gid()).isEqualTo(1000);
    assertThatThrownBy(() -> new SandboxUser(0, 1000)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("0 (root) is never allowed");
  }

  @Test
  void noNewPrivileges_soASetuidBinaryCannotRaisePrivileges() {
    assertThat(defaults().process().noNewPrivileges()).isTrue();
  }

  @Test
  void everyCapabilityIsDroppedInAllFiveSets_soCapabilityAbuseHasNothingToUse() {
    OciSpec.Capabilities c = defaults().process().capabilities();
    assertThat(List.of(c.bounding(), c.effective(), c.inheritable(), c.permitted(), c.ambient()))
        .allSatisfy(set -> assertThat(set).isEmpty());
  }

  @Test
  void rootFilesystemIsReadOnly_soBinariesAndLibrariesCannotBeReplaced() {
    assertThat(defaults().root().readonly()).isTrue();
    assertThat(defaults().root().path()).isEqualTo("/images/x/rootfs");
  }

  @Test
  void tmpIsANoexecNosuidNodevSizeLimitedTmpfs_soDroppedPayloadsCannotRunOrFillTheDisk() {
    SandboxSpec spec = SandboxSpec.builder().limits(ResourceLimits.DEFAULT.withTmpSize(ByteSize.ofMiB(16))).build();
    OciSpec.Mount tmp = mount(harden(spec), "/tmp");
    assertThat(tmp.type()).isEqualTo("tmpfs");
    assertThat(tmp.options()).contains("noexec", "nosuid", "nodev", "size=16384k");
    assertThat(mount(harden(spec), "/dev/shm").options()).contains("noexec", "nosuid", "nodev");
  }

  @Test
  void procAndSysKnobsAreMaskedOrReadOnly_soCorePatternSysrqAndKcoreAreOutOfReach() {
    OciSpec.Linux l = defaults().linux();
    assertThat(l.readonlyPaths()).contains("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs");
    assertThat(l.maskedPaths()).contains("/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware");
    assertThat(mount(defaults(), "/sys").options()).contains("ro", "nosuid", "noexec", "nodev");
  }

  @Test
  void noCgroupFilesystemIsMounted_soReleaseAgentAndDevicesAllowEscapesHaveNoTarget() {
    assertThat(defaults().mounts()).noneMatch(m -> m.type().startsWith("cgroup") || m.destination().startsWith("/sys/fs/cgroup"));
  }

  @Test
  void newPidMountIpcUtsAndNetworkNamespaces_soHostProcessesAndNetworkAreInvisible() {
    assertThat(defaults().linux().namespaces()).extracting(OciSpec.Namespace::type)
        .containsExactlyInAnyOrder("pid", "network", "ipc", "uts", "mount");
    assertThat(defaults().hostname()).isEqualTo("sandbox");
  }

  @Test
  void noHostMountsButTheReadOnlyImageAndAgent_soHostFilesAndRuntimeSocketsAreUnreachable() {
    List<OciSpec.Mount> binds = defaults().mounts().stream().filter(m -> m.type().equals("bind")).toList();
    assertThat(binds).singleElement().satisfies(m -> {
      assertThat(m.destination()).isEqualTo(Hardening.AGENT_DIR);
      assertThat(m.source()).isEqualTo("/state/agent/abc");
      assertThat(m.options()).contains("ro", "nosuid", "nodev");
    });
    assertThat(defaults().mounts()).noneMatch(m -> m.source().contains("docker.sock") || m.source().contains("containerd"));
  }

  @Test
  void deviceCgroupAllowsOnlyNullZeroFullRandomUrandomTty_soRawDisksCannotBeOpened() {
    List<OciSpec.DeviceRule> devices = defaults().linux().resources().devices();
    assertThat(devices.getFirst()).isEqualTo(new OciSpec.DeviceRule(false, null, null, null, "rwm"));
    assertThat(devices.subList(1, devices.size())).extracting(d -> d.type() + " " + d.major() + ":" + d.minor())
        .containsExactly("c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0");
    assertThat(devices).filteredOn(OciSpec.DeviceRule::allow).noneMatch(d -> "b".equals(d.type()));
  }

  @Test
  void cgroupLimitsDefaultToOneCpu512MiAnd128Pids_soForkAndMemoryBombsStopInTheSandbox() {
    OciSpec.Resources r = defaults().linux().resources();
    assertThat(r.memory().limit()).isEqualTo(512L << 20);
    assertThat(r.memory().swap()).isEqualTo(512L << 20);
    assertThat(r.cpu().quota()).isEqualTo(100_000);
    assertThat(r.cpu().period()).isEqualTo(100_000);
    assertThat(r.pids().limit()).isEqualTo(128);
    assertThat(defaults().linux().cgroupsPath()).isEqualTo("/acgs/acgs-1");
  }

  @Test
  void rlimitsBoundOpenFilesAndProcessesAndDisableCoreDumps_soFdExhaustionAndCoreLeaksFail() {
    assertThat(defaults().process().rlimits()).containsExactlyInAnyOrder(
        new OciSpec.Rlimit("RLIMIT_NOFILE", 1024, 1024),
        new OciSpec.Rlimit("RLIMIT_NPROC", 128, 128),
        new OciSpec.Rlimit("RLIMIT_CORE", 0, 0));
  }

  @Test
  void baselineSeccompProfileDeniesByDefault_soUnlistedKernelEntryPointsFail() {
    assertThat(defaults().linux().seccomp().defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(defaults().linux().seccomp().architectures()).containsExactly("SCMP_ARCH_X86_64");
  }

  @Test
  void userNamespaceMapsTheSandboxToItsOwnUnprivilegedHostRange_soNoTwoSandboxesShareAHostUid() {
    Hardening.HostContext withUserNs = new Hardening.HostContext(HOST.rootfs(), HOST.agentDir(), HOST.cgroupsPath(),
        Optional.of(1L << 30), HOST.seccomp(), 128, Map.of());
    OciSpec.Linux l = Hardening.toOciSpec(SandboxSpec.builder().build(), withUserNs).linux();
    assertThat(l.namespaces()).extracting(OciSpec.Namespace::type).contains("user");
    assertThat(l.uidMappings()).containsExactly(new OciSpec.IdMapping(0, 1L << 30, 65536));
    assertThat(l.gidMappings()).containsExactly(new OciSpec.IdMapping(0, 1L << 30, 65536));
    assertThat(defaults().linux().uidMappings()).isNull();
  }

  @Test
  void theHostEnvironmentIsNeverPassed_onlyTheBaseAndTheSpecsVariables() {
    OciSpec spec = harden(SandboxSpec.builder().putEnv("TASK", "7").build());
    assertThat(spec.process().env()).containsExactlyInAnyOrder(
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", "LANG=C.UTF-8",
        "PYTHONDONTWRITEBYTECODE=1", "TASK=7");
  }

  @Test
  void aWorkingDirectoryUnderProcIsRefused_soLeakyVesselsCve202421626CannotReachHostDirectories() {
    assertThatThrownBy(() -> SandboxSpec.builder().workingDir("/proc/self/fd/7").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("workingDir").hasMessageContaining("/proc");
    assertThatThrownBy(() -> SandboxSpec.builder().workingDir("/tmp/../proc").build())
        .hasMessageContaining("'..'");
  }

  @Test
  void theSandboxAgentIsTheFirstProcess_soEveryCommandInheritsTheSeccompFilter() {
    assertThat(defaults().process().args()).containsExactly(Hardening.AGENT_PATH);
    assertThat(defaults().process().terminal()).isFalse();
  }

  static OciSpec.Mount mount(OciSpec spec, String destination) {
    return spec.mounts().stream().filter(m -> m.destination().equals(destination)).findFirst().orElseThrow();
  }
}
