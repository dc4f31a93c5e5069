package dev.acgs.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodSecurityTest {

  /** A sandbox-like pod that meets restricted, with one container of each kind to break. */
  static PodSpec compliant() {
    return new PodSpecBuilder()
        .withRuntimeClassName("gvisor")
        .withNewSecurityContext()
          .withRunAsNonRoot(true).withRunAsUser(1000L).withFsGroup(1000L)
          .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .addNewContainer().withName("agent").withImage("python:3.12-slim")
          .withSecurityContext(hardened())
          .addNewPort().withContainerPort(8080).endPort()
        .endContainer()
        .addNewInitContainer().withName("init").withImage("busybox").withSecurityContext(hardened()).endInitContainer()
        .addNewEphemeralContainer().withName("debug").withImage("busybox").withSecurityContext(hardened()).endEphemeralContainer()
        .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new io.fabric8.kubernetes.api.model.Quantity("64Mi")).endEmptyDir().endVolume()
        .build();
  }

  static SecurityContext hardened() {
    return new io.fabric8.kubernetes.api.model.SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .build();
  }

  static SecurityContext agent(PodSpec s) {
    return s.getContainers().get(0).getSecurityContext();
  }

  static SeccompProfile seccomp(String type) {
    return new io.fabric8.kubernetes.api.model.SeccompProfileBuilder().withType(type).build();
  }

  static List<String> fields(List<Violation> violations) {
    return violations.stream().map(Violation::field).toList();
  }

  @Test
  void aHardenedSandboxPodHasNoViolation() {
    assertThat(PodSecurity.restricted(compliant(), "spec")).isEmpty();
    assertThat(PodSecurity.baseline(compliant(), "spec")).isEmpty();
  }

  static Stream<Arguments> oneRuleBrokenAtATime() {
    return Stream.of(
        // baseline
        broken("hostNetwork", s -> s.setHostNetwork(true), "spec.hostNetwork"),
        broken("hostPID", s -> s.setHostPID(true), "spec.hostPID"),
        broken("hostIPC", s -> s.setHostIPC(true), "spec.hostIPC"),
        broken("privileged", s -> agent(s).setPrivileged(true), "spec.containers[0].securityContext.privileged"),
        broken("SYS_ADMIN added", s -> agent(s).getCapabilities().setAdd(List.of("SYS_ADMIN")), "spec.containers[0].securityContext.capabilities.add"),
        broken("hostPath volume", s -> s.getVolumes().add(new VolumeBuilder().withName("root").withNewHostPath().withPath("/").endHostPath().build()),
            "spec.volumes[1].hostPath"),
        broken("hostPort", s -> s.getContainers().get(0).getPorts().set(0, new ContainerPortBuilder().withContainerPort(8080).withHostPort(80).build()),
            "spec.containers[0].ports[0].hostPort"),
        broken("procMount Unmasked", s -> agent(s).setProcMount("Unmasked"), "spec.containers[0].securityContext.procMount"),
        broken("pod seccomp Unconfined", s -> s.getSecurityContext().setSeccompProfile(seccomp("Unconfined")),
            "spec.securityContext.seccompProfile.type",
            // no valid pod-level profile left for the containers that have none of their own
            "spec.containers[0].securityContext.seccompProfile.type", "spec.initContainers[0].securityContext.seccompProfile.type",
            "spec.ephemeralContainers[0].securityContext.seccompProfile.type"),
        broken("container seccomp Unconfined", s -> agent(s).setSeccompProfile(seccomp("Unconfined")), "spec.containers[0].securityContext.seccompProfile.type"),
        broken("unsafe sysctl", s -> s.getSecurityContext().setSysctls(List.of(new Sysctl("kernel.msgmax", "65536"))), "spec.securityContext.sysctls[0].name"),
        broken("custom SELinux user", s -> agent(s).setSeLinuxOptions(new io.fabric8.kubernetes.api.model.SELinuxOptionsBuilder().withUser("system_u").build()),
            "spec.containers[0].securityContext.seLinuxOptions.user"),
        // restricted
        broken("nfs volume", s -> s.getVolumes().add(new VolumeBuilder().withName("data").withNewNfs().withServer("nfs").withPath("/x").endNfs().build()),
            "spec.volumes[1].nfs"),
        broken("allowPrivilegeEscalation unset on an init container", s -> s.getInitContainers().get(0).getSecurityContext().setAllowPrivilegeEscalation(null),
            "spec.initContainers[0].securityContext.allowPrivilegeEscalation"),
        broken("allowPrivilegeEscalation true on an ephemeral container", s -> s.getEphemeralContainers().get(0).getSecurityContext().setAllowPrivilegeEscalation(true),
            "spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation"),
        broken("runAsNonRoot false on the pod", s -> s.getSecurityContext().setRunAsNonRoot(false),
            "spec.securityContext.runAsNonRoot", "spec.containers[0].securityContext.runAsNonRoot",
            "spec.initContainers[0].securityContext.runAsNonRoot", "spec.ephemeralContainers[0].securityContext.runAsNonRoot"),
        broken("runAsNonRoot false on a container overrides the pod's true", s -> agent(s).setRunAsNonRoot(false),
            "spec.containers[0].securityContext.runAsNonRoot"),
        broken("runAsUser 0 on the pod", s -> s.getSecurityContext().setRunAsUser(0L), "spec.securityContext.runAsUser"),
        broken("runAsUser 0 on a container", s -> agent(s).setRunAsUser(0L), "spec.containers[0].securityContext.runAsUser"),
        broken("seccomp type Localhost without a file", s -> agent(s).setSeccompProfile(seccomp("Localhost")),
            "spec.containers[0].securityContext.seccompProfile.localhostProfile"),
        broken("capabilities not dropped", s -> agent(s).getCapabilities().setDrop(List.of("NET_RAW")), "spec.containers[0].securityContext.capabilities.drop"),
        broken("CHOWN added (default set, but not NET_BIND_SERVICE)", s -> agent(s).getCapabilities().setAdd(List.of("CHOWN")),
            "spec.containers[0].securityContext.capabilities.add"));
  }

  static Arguments broken(String rule, Consumer<PodSpec> breakIt, String... fields) {
    return Arguments.of(rule, breakIt, List.of(fields));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oneRuleBrokenAtATime")
  void eachBrokenRuleIsReportedAtItsFieldAndNowhereElse(String rule, Consumer<PodSpec> breakIt, List<String> expected) {
    PodSpec spec = compliant();
    breakIt.accept(spec);
    assertThat(fields(PodSecurity.restricted(spec, "spec"))).as(rule).containsExactlyElementsOf(expected);
  }

  @Test
  void baselineAllowsTheDefaultCapabilitiesThatRestrictedRefuses() {
    PodSpec spec = compliant();
    agent(spec).getCapabilities().setAdd(List.of("CHOWN"));
    assertThat(PodSecurity.baseline(spec, "spec")).isEmpty();
    assertThat(PodSecurity.restricted(spec, "spec")).singleElement()
        .satisfies(v -> assertThat(v.problem()).contains("CHOWN").contains("only NET_BIND_SERVICE"));
  }

  @Test
  void containerSettingsStandInForMissingPodSettings() {
    PodSpec spec = compliant();
    spec.getSecurityContext().setRunAsNonRoot(null);
    spec.getSecurityContext().setSeccompProfile(null);
    for (SecurityContext sc : List.of(agent(spec), spec.getInitContainers().get(0).getSecurityContext(),
        spec.getEphemeralContainers().get(0).getSecurityContext())) {
      sc.setRunAsNonRoot(true);
      sc.setSeccompProfile(new io.fabric8.kubernetes.api.model.SeccompProfileBuilder()
          .withType("Localhost").withLocalhostProfile("profiles/acgs-enhanced.json").build());
    }
    assertThat(PodSecurity.restricted(spec, "spec")).isEmpty();
  }

  @Test
  void aContainerWithoutSecurityContextIsReportedForEverythingItMustSet() {
    PodSpec spec = compliant();
    agent(spec); // exists
    spec.getContainers().get(0).setSecurityContext(null);
    spec.getSecurityContext().setRunAsNonRoot(null);
    assertThat(fields(PodSecurity.restricted(spec, "spec"))).contains(
        "spec.containers[0].securityContext.allowPrivilegeEscalation",
        "spec.containers[0].securityContext.runAsNonRoot",
        "spec.containers[0].securityContext.capabilities.drop");
  }

  @Test
  void safeSysctlsAndNetBindServiceAreAllowed() {
    PodSpec spec = compliant();
    spec.getSecurityContext().setSysctls(List.of(new Sysctl("net.ipv4.ping_group_range", "0 0")));
    agent(spec).getCapabilities().setAdd(List.of("NET_BIND_SERVICE"));
    assertThat(PodSecurity.restricted(spec, "spec")).isEmpty();
  }

  @Test
  void pathsStartWithTheGivenPrefix() {
    PodSpec spec = compliant();
    spec.setHostPID(true);
    assertThat(fields(PodSecurity.restricted(spec, "spec.template.spec"))).containsExactly("spec.template.spec.hostPID");
  }

  @Test
  void requireRestrictedNamesThePodAndEveryViolationWithItsFix() {
    PodSpec spec = compliant();
    spec.setHostNetwork(true);
    agent(spec).setAllowPrivilegeEscalation(true);
    assertThatThrownBy(() -> PodSecurity.requireRestricted(spec, "spec", "sandbox pod sbx-1"))
        .isInstanceOf(PodSecurityException.class)
        .hasMessageContaining("sandbox pod sbx-1")
        .hasMessageContaining("spec.hostNetwork: must be false or unset")
        .hasMessageContaining("spec.containers[0].securityContext.allowPrivilegeEscalation: must be set to false")
        .satisfies(e -> assertThat(((PodSecurityException) e).violations()).hasSize(2));
  }
}
