package dev.acgs.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a pod's status the way a caller waiting for it needs: ready, still coming, or failed for
 * good — the last with the pod's own reason, so that an ImagePullBackOff is reported in seconds
 * instead of as a timeout a minute later.
 */
final class PodReadiness {
  /** Container waiting reasons that will not fix themselves. */
  static final Set<String> FATAL_WAITING = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
      "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
      "ErrImageNeverPull");

  sealed interface State permits Ready, Pending, Failed {}

  record Ready() implements State {}

  record Pending(String why) implements State {}

  /** @param reason the pod's reason word (ImagePullBackOff, Unschedulable, ...) */
  record Failed(String reason, String message) implements State {}

  private PodReadiness() {}

  static State of(Pod pod) {
    if (pod == null) {
      return new Failed("Deleted", "the pod was deleted while it started");
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return new Failed("Deleted", "the pod is being deleted");
    }
    var status = pod.getStatus();
    if (status == null) {
      return new Pending("no status yet");
    }
    if ("Failed".equals(status.getPhase()) || "Succeeded".equals(status.getPhase())) {
      return new Failed(Optional.ofNullable(status.getReason()).orElse(status.getPhase()),
          Optional.ofNullable(status.getMessage()).orElse("the pod's container ended"));
    }
    for (ContainerStatus cs : status.getContainerStatuses() == null ? java.util.List.<ContainerStatus>of()
        : status.getContainerStatuses()) {
      var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
      if (waiting != null && FATAL_WAITING.contains(waiting.getReason())) {
        return new Failed(waiting.getReason(), Optional.ofNullable(waiting.getMessage()).orElse(""));
      }
      var terminated = cs.getState() == null ? null : cs.getState().getTerminated();
      if (terminated != null) {
        return new Failed(Optional.ofNullable(terminated.getReason()).orElse("Terminated"),
            "the sandbox container exited with " + terminated.getExitCode());
      }
    }
    for (PodCondition c : status.getConditions() == null ? java.util.List.<PodCondition>of() : status.getConditions()) {
      if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
        return new Failed("Unschedulable", Optional.ofNullable(c.getMessage()).orElse("no node fits the pod"));
      }
    }
    boolean ready = "Running".equals(status.getPhase()) && status.getConditions() != null
        && status.getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return ready ? new Ready() : new Pending("phase " + status.getPhase());
  }
}
