package dev.acgs.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.AppArmorProfile;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.WindowsSecurityContextOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Pod Security Standards' baseline profile: what stops known privilege escalations, after
 * pod-security-admission's {@code policy/check_*.go} (host namespaces, privileged, capabilities, hostPath,
 * hostPort, AppArmor, SELinux, procMount, seccomp, sysctls, Windows host process). The AppArmor
 * annotations of the pod's metadata are not seen here, only the securityContext fields.
 */
final class BaselineChecks {
  /** What a container may add under baseline: the container runtimes' historical default set. */
  static final Set<String> DEFAULT_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
      "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");

  /** Sysctls that are namespaced and cannot affect other pods or the node. */
  static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
      "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
      "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
      "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");

  static final Set<String> SELINUX_TYPES = Set.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t");

  private BaselineChecks() {}

  static List<Violation> check(PodSpec spec, String prefix) {
    List<Violation> out = new ArrayList<>();
    hostNamespaces(spec, prefix, out);
    Optional<PodSecurityContext> pod = Optional.ofNullable(spec.getSecurityContext());
    String podSc = prefix + ".securityContext";
    pod.map(PodSecurityContext::getSeccompProfile).ifPresent(p -> notUnconfinedSeccomp(p, podSc + ".seccompProfile.type", out));
    pod.map(PodSecurityContext::getAppArmorProfile).ifPresent(p -> notUnconfinedAppArmor(p, podSc + ".appArmorProfile.type", out));
    pod.map(PodSecurityContext::getSeLinuxOptions).ifPresent(o -> seLinux(o, podSc + ".seLinuxOptions", out));
    pod.map(PodSecurityContext::getWindowsOptions).ifPresent(w -> notHostProcess(w, podSc + ".windowsOptions.hostProcess", out));
    List<Sysctl> sysctls = pod.map(PodSecurityContext::getSysctls).map(ContainerRef::nonNull).orElse(List.of());
    for (int i = 0; i < sysctls.size(); i++) {
      String name = sysctls.get(i).getName();
      if (!SAFE_SYSCTLS.contains(name)) {
        out.add(new Violation(podSc + ".sysctls[" + i + "].name",
            "'" + name + "' is not a safe sysctl; remove it (allowed: " + String.join(", ", new java.util.TreeSet<>(SAFE_SYSCTLS)) + ")"));
      }
    }
    List<Volume> volumes = ContainerRef.nonNull(spec.getVolumes());
    for (int i = 0; i < volumes.size(); i++) {
      if (volumes.get(i).getHostPath() != null) {
        out.add(new Violation(prefix + ".volumes[" + i + "].hostPath",
            "hostPath volumes expose the node's filesystem; use emptyDir, configMap, secret or projected instead"));
      }
    }
    for (ContainerRef c : ContainerRef.all(spec, prefix)) {
      container(c, out);
    }
    return out;
  }

  private static void hostNamespaces(PodSpec spec, String prefix, List<Violation> out) {
    if (Boolean.TRUE.equals(spec.getHostNetwork())) {
      out.add(new Violation(prefix + ".hostNetwork", "must be false or unset: the pod would share the node's network namespace"));
    }
    if (Boolean.TRUE.equals(spec.getHostPID())) {
      out.add(new Violation(prefix + ".hostPID", "must be false or unset: the pod would see and signal the node's processes"));
    }
    if (Boolean.TRUE.equals(spec.getHostIPC())) {
      out.add(new Violation(prefix + ".hostIPC", "must be false or unset: the pod would share the node's IPC namespace"));
    }
  }

  private static void container(ContainerRef c, List<Violation> out) {
    List<ContainerPort> ports = c.ports();
    for (int j = 0; j < ports.size(); j++) {
      Integer hostPort = ports.get(j).getHostPort();
      if (hostPort != null && hostPort != 0) {
        out.add(new Violation(c.path() + ".ports[" + j + "].hostPort", "is " + hostPort + "; must be 0 or unset (use a Service to expose a port)"));
      }
    }
    if (c.securityContext().isEmpty()) {
      return;
    }
    SecurityContext sc = c.securityContext().get();
    if (Boolean.TRUE.equals(sc.getPrivileged())) {
      out.add(new Violation(c.field("privileged"), "must be false or unset: a privileged container is root on the node"));
    }
    if (sc.getCapabilities() != null) {
      for (String cap : ContainerRef.nonNull(sc.getCapabilities().getAdd())) {
        if (!DEFAULT_CAPABILITIES.contains(cap)) {
          out.add(new Violation(c.field("capabilities.add"), "adds " + cap + ", beyond the runtime's default set; remove it"));
        }
      }
    }
    String procMount = sc.getProcMount();
    if (procMount != null && !procMount.equals("Default")) {
      out.add(new Violation(c.field("procMount"), "is " + procMount + "; must be Default or unset (Unmasked exposes /proc paths the runtime masks)"));
    }
    if (sc.getSeccompProfile() != null) {
      notUnconfinedSeccomp(sc.getSeccompProfile(), c.field("seccompProfile.type"), out);
    }
    if (sc.getAppArmorProfile() != null) {
      notUnconfinedAppArmor(sc.getAppArmorProfile(), c.field("appArmorProfile.type"), out);
    }
    if (sc.getSeLinuxOptions() != null) {
      seLinux(sc.getSeLinuxOptions(), c.field("seLinuxOptions"), out);
    }
    if (sc.getWindowsOptions() != null) {
      notHostProcess(sc.getWindowsOptions(), c.field("windowsOptions.hostProcess"), out);
    }
  }

  private static void notUnconfinedSeccomp(SeccompProfile p, String field, List<Violation> out) {
    if ("Unconfined".equals(p.getType())) {
      out.add(new Violation(field, "is Unconfined; use RuntimeDefault or Localhost (e.g. localhostProfile: profiles/acgs-enhanced.json)"));
    }
  }

  private static void notUnconfinedAppArmor(AppArmorProfile p, String field, List<Violation> out) {
    if ("Unconfined".equals(p.getType())) {
      out.add(new Violation(field, "is Unconfined; use RuntimeDefault or Localhost"));
    }
  }

  private static void seLinux(SELinuxOptions o, String field, List<Violation> out) {
    if (o.getType() != null && !o.getType().isEmpty() && !SELINUX_TYPES.contains(o.getType())) {
      out.add(new Violation(field + ".type", "is " + o.getType() + "; must be unset or one of " + new java.util.TreeSet<>(SELINUX_TYPES)));
    }
    if (o.getUser() != null && !o.getUser().isEmpty()) {
      out.add(new Violation(field + ".user", "must be unset: a custom SELinux user can escape the container policy"));
    }
    if (o.getRole() != null && !o.getRole().isEmpty()) {
      out.add(new Violation(field + ".role", "must be unset: a custom SELinux role can escape the container policy"));
    }
  }

  private static void notHostProcess(WindowsSecurityContextOptions w, String field, List<Violation> out) {
    if (Boolean.TRUE.equals(w.getHostProcess())) {
      out.add(new Violation(field, "must be false or unset: a Windows host process runs on the node"));
    }
  }
}
