package dev.acgs.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a pod spec against the Pod Security Standards before it is sent, so that the controller
 * never relies on the namespace's admission label alone and reports every problem with its field
 * path. Follows pod-security-admission: a container's securityContext overrides the pod's, and
 * containers, initContainers and ephemeralContainers are held to the same rules.
 *
 * <p>{@code pathPrefix} is where the spec sits in its manifest: {@code spec} for a Pod,
 * {@code spec.template.spec} for a Deployment, so that paths point into the file a human edits.
 */
public final class PodSecurity {
  private PodSecurity() {}

  /** The baseline profile's violations (host namespaces, privileged, hostPath, ...); empty when compliant. */
  public static List<Violation> baseline(PodSpec spec, String pathPrefix) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(pathPrefix, "pathPrefix");
    return List.copyOf(BaselineChecks.check(spec, pathPrefix));
  }

  /** The restricted profile's violations, baseline's included, each problem once; empty when compliant. */
  public static List<Violation> restricted(PodSpec spec, String pathPrefix) {
    List<Violation> all = new ArrayList<>(baseline(spec, pathPrefix));
    all.addAll(RestrictedChecks.check(spec, pathPrefix));
    return List.copyOf(all);
  }

  /**
   * Throws unless the spec is restricted-compliant.
   *
   * @param what names the pod in the message, e.g. {@code "sandbox pod sbx-1234"}
   * @throws PodSecurityException naming every violation
   */
  public static void requireRestricted(PodSpec spec, String pathPrefix, String what) {
    List<Violation> violations = restricted(spec, pathPrefix);
    if (!violations.isEmpty()) {
      throw new PodSecurityException(what, violations);
    }
  }
}
