package dev.acgs.sandbox.kubernetes;

import java.util.Objects;

/**
 * One way a pod spec breaks a Pod Security Standard, where it is and how to fix it.
 *
 * @param field the offending field's path in the manifest, e.g.
 *     {@code spec.containers[0].securityContext.allowPrivilegeEscalation}
 * @param problem what is wrong with it and what the value must be instead
 */
public record Violation(String field, String problem) {
  public Violation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(problem, "problem");
  }

  @Override
  public String toString() {
    return field + ": " + problem;
  }
}
