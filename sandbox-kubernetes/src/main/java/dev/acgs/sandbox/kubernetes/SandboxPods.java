package dev.acgs.sandbox.kubernetes;

import dev.acgs.sandbox.core.model.SandboxSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pod a sandbox is: the brief's spec (RuntimeClass, non-root uid/gid 1000, seccomp, requests =
 * limits, no privilege escalation, read-only root, every capability dropped) plus what a hostile
 * workload must not get from Kubernetes: no service-account token, no service links in its
 * environment, its own user namespace where the cluster has them, a size-limited emptyDir /tmp, a
 * hard deadline, and no restarts. Every pod passes {@link PodSecurity#restricted}.
 */
public final class SandboxPods {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "acgs-sandbox-controller";
  public static final String ROLE = "acgs.dev/role";
  public static final String CONTROLLER = "acgs.dev/controller";
  public static final String STATE = "acgs.dev/state";
  public static final String POOL = "acgs.dev/pool";
  public static final String LABEL_ANNOTATION_PREFIX = "acgs.dev/label.";
  public static final String CONTAINER = "sandbox";

  private SandboxPods() {}

  /**
   * @param state {@code claimed} for a sandbox made for a caller, {@code warm} for a pool's
   * @param pool the warm pool's name (empty when none)
   */
  public static Pod build(String id, SandboxSpec spec, KubernetesConfig config, String state, String pool) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, MANAGED_BY_VALUE);
    labels.put(ROLE, "sandbox");
    labels.put(CONTROLLER, config.controllerId());
    labels.put(STATE, state);
    if (!pool.isEmpty()) {
      labels.put(POOL, pool);
    }
    // the caller's labels may hold any text: annotations take it, labels could not
    Map<String, String> annotations = new LinkedHashMap<>();
    spec.labels().forEach((k, v) -> annotations.put(LABEL_ANNOTATION_PREFIX + k, v));
    annotations.put("acgs.dev/seccomp-profile", spec.seccompProfile());

    SeccompProfile seccomp = config.seccomp().equals("Localhost")
        ? new SeccompProfileBuilder().withType("Localhost")
            .withLocalhostProfile("profiles/acgs-" + spec.seccompProfile().toLowerCase(Locale.ROOT) + ".json").build()
        : new SeccompProfileBuilder().withType("RuntimeDefault").build();
    Map<String, Quantity> resources = Map.of(
        "cpu", new Quantity(Math.round(spec.limits().cpus() * 1000) + "m"),
        "memory", new Quantity(Long.toString(spec.limits().memory().bytes())));

    return new PodBuilder()
        .withNewMetadata().withName(id).withNamespace(config.namespace()).withLabels(labels)
            .withAnnotations(annotations).endMetadata()
        .withNewSpec()
            .withRuntimeClassName(config.runtimeClass())
            .withRestartPolicy("Never")
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withHostUsers(config.userNamespaces() ? Boolean.FALSE : null)
            .withTerminationGracePeriodSeconds(0L)
            .withActiveDeadlineSeconds(config.maxLifetime().toSeconds())
            .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(1000L).withRunAsGroup(1000L).withFsGroup(1000L)
                .withSeccompProfile(seccomp)
            .endSecurityContext()
            .addNewContainer()
                .withName(CONTAINER)
                .withImage(config.imageReference(spec.image()))
                .withImagePullPolicy("IfNotPresent")
                // the sandbox idles until commands arrive through the exec API
                .withCommand(List.of("sleep", "infinity"))
                .withWorkingDir(spec.workingDir())
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(false)
                    .withPrivileged(false)
                    .withReadOnlyRootFilesystem(true)
                    .withRunAsNonRoot(true)
                    .withNewCapabilities().withDrop(List.of("ALL")).endCapabilities()
                    .withSeccompProfile(seccomp)
                .endSecurityContext()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
            .endContainer()
            .addNewVolume().withName("tmp")
                .withNewEmptyDir().withSizeLimit(new Quantity(Long.toString(spec.limits().tmpSize().bytes()))).endEmptyDir()
            .endVolume()
        .endSpec()
        .build();
  }
}
