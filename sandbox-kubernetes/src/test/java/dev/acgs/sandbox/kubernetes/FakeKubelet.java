package dev.acgs.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Plays the scheduler and kubelet against fabric8's mock API server (CRUD mode), which stores pods
 * but runs nothing: every new pod gets the status a real node would give it, chosen by its image —
 * {@code pull-fails:*} ImagePullBackOff, {@code crashes:*} CrashLoopBackOff, {@code too-big:*}
 * Unschedulable, {@code never-ready:*} nothing at all, anything else Running and Ready.
 */
public final class FakeKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final Thread loop;
  private volatile boolean stop;

  public FakeKubelet(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    this.loop = Thread.ofPlatform().daemon().name("fake-kubelet").start(this::run);
  }

  private void run() {
    while (!stop) {
      try {
        for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
          if (p.getStatus() == null || p.getStatus().getPhase() == null) {
            PodStatus s = statusFor(p.getSpec().getContainers().getFirst().getImage());
            if (s != null) {
              p.setStatus(s);
              client.pods().inNamespace(namespace).resource(p).updateStatus();
            }
          }
        }
        Thread.sleep(20);
      } catch (KubernetesClientException e) {
        // a pod changed under us (claimed, deleted): the next round sees the new state
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  static PodStatus statusFor(String image) {
    String name = image.substring(0, image.indexOf(':') < 0 ? image.length() : image.indexOf(':'));
    return switch (name) {
      case "never-ready" -> null;
      case "pull-fails" -> waiting("ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
      case "crashes" -> waiting("CrashLoopBackOff", "back-off 10s restarting failed container");
      case "too-big" -> new PodStatusBuilder().withPhase("Pending").withConditions(new PodConditionBuilder()
          .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
          .withMessage("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.").build()).build();
      default -> new PodStatusBuilder().withPhase("Running")
          .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
          .withContainerStatuses(new ContainerStatusBuilder().withName(SandboxPods.CONTAINER).withReady(true)
              .withState(new ContainerStateBuilder().withNewRunning().endRunning().build()).build())
          .build();
    };
  }

  private static PodStatus waiting(String reason, String message) {
    return new PodStatusBuilder().withPhase("Pending")
        .withContainerStatuses(new ContainerStatusBuilder().withName(SandboxPods.CONTAINER).withReady(false)
            .withState(new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build())
            .build())
        .build();
  }

  @Override
  public void close() {
    stop = true;
    try {
      loop.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
