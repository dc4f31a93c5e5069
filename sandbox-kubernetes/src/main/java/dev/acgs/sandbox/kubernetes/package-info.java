/**
 * Sandboxes as Kubernetes pods: a {@link dev.acgs.sandbox.runtime.SandboxRuntime} over the fabric8
 * client, pods on a gVisor ({@code runsc}) or Kata/Firecracker RuntimeClass, hardened to the Pod
 * Security Standards' restricted profile.
 */
package dev.acgs.sandbox.kubernetes;
