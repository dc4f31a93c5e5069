package dev.acgs.sandbox.server.pool;

import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.runtime.RuntimeKind;

/**
 * A named recipe for sandboxes: image, runtime, limits and seccomp profile, and how many to keep
 * created and started ahead (the warm pool).
 *
 * @param runtimeClass for {@code runtime: kubernetes}, the pods' RuntimeClass ({@code gvisor} or
 *     {@code kata-firecracker}); empty for the local runtimes
 */
public record Template(
    String name, String image, RuntimeKind runtime, ResourceLimits limits, String seccompProfile, int poolMin,
    int poolMax, String runtimeClass) {

  public Template(String name, String image, RuntimeKind runtime, ResourceLimits limits, String seccompProfile,
      int poolMin, int poolMax) {
    this(name, image, runtime, limits, seccompProfile, poolMin, poolMax, runtime == RuntimeKind.KUBERNETES ? "gvisor" : "");
  }

  public Template {
    runtimeClass = runtimeClass == null ? "" : runtimeClass;
    if (runtime == RuntimeKind.KUBERNETES && !java.util.Set.of("gvisor", "kata-firecracker").contains(runtimeClass)) {
      throw new InvalidSpecException("templates." + name + ".runtimeClass", "'" + runtimeClass
          + "' is not a sandbox RuntimeClass: use gvisor or kata-firecracker (deploy/k8s)");
    }
    if (runtime != RuntimeKind.KUBERNETES && !runtimeClass.isEmpty()) {
      throw new InvalidSpecException("templates." + name + ".runtimeClass", "a RuntimeClass only applies to"
          + " \"runtime\": \"kubernetes\" (this template runs on " + runtime + ")");
    }
    if (poolMin < 0 || poolMax < poolMin || poolMax > 1000) {
      throw new InvalidSpecException("templates." + name, "pool sizes must satisfy 0 <= min <= max <= 1000 (got min "
          + poolMin + ", max " + poolMax + ")");
    }
  }
}
