package dev.acgs.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the restricted profile adds to baseline (pod-security-admission's restricted checks): volume
 * types, no privilege escalation, non-root, seccomp, capabilities. A container's own setting overrides
 * the pod's, so a pod-level value counts for every container that does not set its own. What baseline
 * already reports (hostPath, Unconfined seccomp, capabilities outside the default set) is not reported again.
 */
final class RestrictedChecks {
  static final Set<String> VOLUME_TYPES = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
      "persistentVolumeClaim", "projected", "secret");

  /** Reads a volume's set fields generically, so a volume type newer than this code is still caught. */
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private RestrictedChecks() {}

  static List<Violation> check(PodSpec spec, String prefix) {
    List<Violation> out = new ArrayList<>();
    volumes(spec, prefix, out);
    Optional<PodSecurityContext> pod = Optional.ofNullable(spec.getSecurityContext());
    String podSc = prefix + ".securityContext";
    Boolean podNonRoot = pod.map(PodSecurityContext::getRunAsNonRoot).orElse(null);
    if (Boolean.FALSE.equals(podNonRoot)) {
      out.add(new Violation(podSc + ".runAsNonRoot", "is false; must be true"));
    }
    if (Long.valueOf(0).equals(pod.map(PodSecurityContext::getRunAsUser).orElse(null))) {
      out.add(new Violation(podSc + ".runAsUser", "is 0 (root); use a non-zero uid such as 1000"));
    }
    Optional<SeccompProfile> podSeccomp = pod.map(PodSecurityContext::getSeccompProfile).filter(p -> p.getType() != null);
    podSeccomp.ifPresent(p -> seccomp(p, podSc + ".seccompProfile", out));
    boolean podSeccompValid = podSeccomp.filter(RestrictedChecks::validSeccomp).isPresent();

    for (ContainerRef c : ContainerRef.all(spec, prefix)) {
      Optional<SecurityContext> sc = c.securityContext();
      if (!Boolean.FALSE.equals(sc.map(SecurityContext::getAllowPrivilegeEscalation).orElse(null))) {
        out.add(new Violation(c.field("allowPrivilegeEscalation"), "must be set to false (setuid programs could regain privileges)"));
      }
      Boolean nonRoot = sc.map(SecurityContext::getRunAsNonRoot).orElse(null);
      if (Boolean.FALSE.equals(nonRoot)) {
        out.add(new Violation(c.field("runAsNonRoot"), "is false; must be true or unset with " + podSc + ".runAsNonRoot: true"));
      } else if (nonRoot == null && !Boolean.TRUE.equals(podNonRoot)) {
        out.add(new Violation(c.field("runAsNonRoot"), "must be true, here or in " + podSc + ".runAsNonRoot"));
      }
      if (Long.valueOf(0).equals(sc.map(SecurityContext::getRunAsUser).orElse(null))) {
        out.add(new Violation(c.field("runAsUser"), "is 0 (root); use a non-zero uid such as 1000"));
      }
      Optional<SeccompProfile> own = sc.map(SecurityContext::getSeccompProfile).filter(p -> p.getType() != null);
      if (own.isPresent()) {
        seccomp(own.get(), c.field("seccompProfile"), out);
      } else if (!podSeccompValid) {
        out.add(new Violation(c.field("seccompProfile.type"), "must be RuntimeDefault or Localhost, here or in " + podSc + ".seccompProfile"));
      }
      capabilities(c, sc.map(SecurityContext::getCapabilities), out);
    }
    return out;
  }

  private static void volumes(PodSpec spec, String prefix, List<Violation> out) {
    List<Volume> volumes = ContainerRef.nonNull(spec.getVolumes());
    for (int i = 0; i < volumes.size(); i++) {
      @SuppressWarnings("unchecked")
      Map<String, Object> fields = SERIALIZATION.convertValue(volumes.get(i), Map.class);
      for (String type : new TreeSet<>(fields.keySet())) {
        // hostPath is baseline's to report
        if (!type.equals("name") && !type.equals("hostPath") && fields.get(type) != null && !VOLUME_TYPES.contains(type)) {
          out.add(new Violation(prefix + ".volumes[" + i + "]." + type,
              type + " volumes are not allowed; use one of " + new TreeSet<>(VOLUME_TYPES)));
        }
      }
    }
  }

  private static boolean validSeccomp(SeccompProfile p) {
    return "RuntimeDefault".equals(p.getType()) || "Localhost".equals(p.getType());
  }

  private static void seccomp(SeccompProfile p, String field, List<Violation> out) {
    if ("Unconfined".equals(p.getType())) {
      return; // baseline reports it
    }
    if (!validSeccomp(p)) {
      out.add(new Violation(field + ".type", "is " + p.getType() + "; must be RuntimeDefault or Localhost"));
    } else if ("Localhost".equals(p.getType()) && (p.getLocalhostProfile() == null || p.getLocalhostProfile().isBlank())) {
      // not a PSA rule, but the API server refuses it: say so before asking
      out.add(new Violation(field + ".localhostProfile", "must name the profile file for type Localhost, e.g. profiles/acgs-enhanced.json"));
    }
  }

  private static void capabilities(ContainerRef c, Optional<Capabilities> caps, List<Violation> out) {
    List<String> drop = caps.map(Capabilities::getDrop).map(ContainerRef::nonNull).orElse(List.of());
    if (!drop.contains("ALL")) {
      out.add(new Violation(c.field("capabilities.drop"), "must contain ALL"));
    }
    for (String cap : caps.map(Capabilities::getAdd).map(ContainerRef::nonNull).orElse(List.of())) {
      // a capability outside the default set is baseline's to report; this adds the rest of the default set
      if (!cap.equals("NET_BIND_SERVICE") && BaselineChecks.DEFAULT_CAPABILITIES.contains(cap)) {
        out.add(new Violation(c.field("capabilities.add"), "adds " + cap + "; only NET_BIND_SERVICE may be added"));
      }
    }
  }
}
