package dev.acgs.sandbox.server.pool;

import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.runtime.RuntimeKind;

/**
 * A named recipe for sandboxes: image, runtime, limits and seccomp profile, and how many to keep
 * created and started ahead (the warm pool).
 */
public record Template(
    String name, String image, RuntimeKind runtime, ResourceLimits limits, String seccompProfile, int poolMin,
    int poolMax) {
  public Template {
    if (poolMin < 0 || poolMax < poolMin || poolMax > 1000) {
      throw new InvalidSpecException("templates." + name, "pool sizes must satisfy 0 <= min <= max <= 1000 (got min "
          + poolMin + ", max " + poolMax + ")");
    }
  }
}
