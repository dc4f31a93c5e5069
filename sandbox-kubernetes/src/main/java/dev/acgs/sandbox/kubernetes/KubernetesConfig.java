package dev.acgs.sandbox.kubernetes;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * How sandboxes become pods.
 *
 * @param namespace where sandbox pods live (deploy/k8s makes {@code ai-sandboxes}, Pod Security restricted)
 * @param runtimeClass the RuntimeClass of every pod: {@code gvisor} (handler runsc) or {@code kata-firecracker}
 * @param images local image names mapped to OCI references ({@code default} → a Python image); a name
 *     not in the map is used as the reference itself
 * @param seccomp {@code RuntimeDefault}, or {@code Localhost} to use the profile library's profiles
 *     installed on each node by deploy/node ({@code profiles/acgs-<profile>.json})
 * @param userNamespaces set {@code hostUsers: false} (Kubernetes 1.30+, a user namespace per pod)
 * @param readyTimeout how long a pod may take to become Ready before it is deleted and the create fails
 * @param maxLifetime the pod's {@code activeDeadlineSeconds}: the kubelet kills it after this, whatever
 *     the controller does (the controller's TTL is the same by default)
 * @param controllerId written on every pod, so a controller reaps only its own orphans
 */
public record KubernetesConfig(String namespace, String runtimeClass, Map<String, String> images, String seccomp,
    boolean userNamespaces, Duration readyTimeout, Duration maxLifetime, String controllerId) {

  public static final Set<String> RUNTIME_CLASSES = Set.of("gvisor", "kata-firecracker");
  public static final Map<String, String> DEFAULT_IMAGES = Map.of("default", "python:3.12-slim");

  public KubernetesConfig {
    images = Map.copyOf(images);
    if (!RUNTIME_CLASSES.contains(runtimeClass)) {
      throw new InvalidSpecException("runtimeClass", "'" + runtimeClass + "' is not one of " + RUNTIME_CLASSES
          + " (deploy/k8s/runtimeclasses.yaml)");
    }
    if (!seccomp.equals("RuntimeDefault") && !seccomp.equals("Localhost")) {
      throw new InvalidSpecException("kubernetes.seccomp", "'" + seccomp + "' must be RuntimeDefault or Localhost");
    }
    if (!namespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new InvalidSpecException("kubernetes.namespace", "'" + namespace + "' is not a Kubernetes namespace name:"
          + " use lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit");
    }
  }

  public static KubernetesConfig defaults(String runtimeClass) {
    return new KubernetesConfig("ai-sandboxes", runtimeClass, DEFAULT_IMAGES, "Localhost", true, Duration.ofSeconds(60),
        Duration.ofMinutes(30), "acgs");
  }

  public KubernetesConfig withNamespace(String ns) {
    return new KubernetesConfig(ns, runtimeClass, images, seccomp, userNamespaces, readyTimeout, maxLifetime, controllerId);
  }

  public KubernetesConfig withReadyTimeout(Duration d) {
    return new KubernetesConfig(namespace, runtimeClass, images, seccomp, userNamespaces, d, maxLifetime, controllerId);
  }

  /** The OCI reference a sandbox image name stands for. */
  public String imageReference(String image) {
    return images.getOrDefault(image, image);
  }
}
