package dev.acgs.sandbox.kubernetes;

import dev.acgs.sandbox.core.SandboxException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A pod the controller was about to create breaks the Pod Security Standards' restricted profile.
 * Raised before the API server is asked, so the message names every offending field at once instead of
 * the admission controller's first refusal.
 */
public final class PodSecurityException extends SandboxException {
  private static final long serialVersionUID = 1L;
  private final List<Violation> violations;

  public PodSecurityException(String what, List<Violation> violations) {
    super(what + " is not Pod Security Standards 'restricted' compliant, so a namespace labelled "
        + "pod-security.kubernetes.io/enforce=restricted would refuse it; fix: "
        + violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
    this.violations = List.copyOf(violations);
  }

  /** Every violation found, in manifest order. */
  public List<Violation> violations() {
    return violations;
  }
}
