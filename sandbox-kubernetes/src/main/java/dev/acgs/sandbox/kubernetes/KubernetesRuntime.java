package dev.acgs.sandbox.kubernetes;

import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.SandboxInfo;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes as pods on a cluster, through the Kubernetes API (fabric8). Each pod runs under the
 * configured RuntimeClass (gVisor or Kata/Firecracker) with the hardening of {@link SandboxPods}.
 *
 * <p>Creation waits for Ready with a deadline and fails fast, deleting the pod, on a reason that will
 * not fix itself (ImagePullBackOff, CrashLoopBackOff, Unschedulable...). A watch on this controller's
 * pods notices pods that vanish (deleted by someone, evicted, past their deadline) and marks their
 * sandboxes dead, so the controller's reaper ends them. Warm pods are claimed by a label change
 * under the pod's resourceVersion: of two concurrent claimers of one pod, the API server lets one
 * through and answers the other 409.
 */
public final class KubernetesRuntime implements SandboxRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRuntime.class);
  private static final Duration POLL = Duration.ofMillis(100);

  private final KubernetesClient client;
  private final KubernetesConfig config;
  private final Map<String, KubernetesSandbox> open = new ConcurrentHashMap<>();
  private volatile Watch watch;

  public KubernetesRuntime(KubernetesClient client, KubernetesConfig config) {
    this.client = client;
    this.config = config;
  }

  public KubernetesConfig config() {
    return config;
  }

  @Override
  public RuntimeKind kind() {
    return RuntimeKind.KUBERNETES;
  }

  NonNamespaceOperation<Pod, io.fabric8.kubernetes.api.model.PodList, PodResource> pods() {
    return client.pods().inNamespace(config.namespace());
  }

  static String newId() {
    byte[] b = new byte[8];
    ThreadLocalRandom.current().nextBytes(b);
    return "acgs-" + HexFormat.of().formatHex(b);
  }

  @Override
  public Sandbox create(SandboxSpec spec) {
    return start(spec, "claimed", "");
  }

  /** Same as {@link #create}: a pod outlives the process that made it anyway. */
  @Override
  public Sandbox createDetached(SandboxSpec spec) {
    return create(spec);
  }

  /** Creates a warm pod for pool {@code pool}, ready to be {@link #claimWarm claimed}; it is not opened. */
  public String prewarm(SandboxSpec spec, String pool) {
    return prewarmSandbox(spec, pool).id();
  }

  /** Same as {@link #prewarm}, returning the (not opened) sandbox, e.g. for its start time. */
  public Sandbox prewarmSandbox(SandboxSpec spec, String pool) {
    KubernetesSandbox s = (KubernetesSandbox) start(spec, "warm", pool);
    open.remove(s.id());
    return s;
  }

  /** Ready warm pods of {@code pool}, as the API server has them now. */
  public int countWarm(String pool) {
    return (int) pods().withLabel(SandboxPods.POOL, pool).withLabel(SandboxPods.STATE, "warm")
        .withLabel(SandboxPods.CONTROLLER, config.controllerId()).list().getItems().stream()
        .filter(p -> PodReadiness.of(p) instanceof PodReadiness.Ready).count();
  }

  private Sandbox start(SandboxSpec spec, String state, String pool) {
    ensureWatch();
    String id = newId();
    Pod pod = SandboxPods.build(id, spec, config, state, pool);
    // the namespace enforces restricted; checking here names the field instead of an admission error
    PodSecurity.requireRestricted(pod.getSpec(), "spec", "sandbox pod " + id);
    long t0 = System.nanoTime();
    try {
      pods().resource(pod).create();
    } catch (KubernetesClientException e) {
      throw new SandboxFailedException("cannot create pod " + id + " in namespace " + config.namespace() + ": "
          + e.getMessage(), e);
    }
    try {
      awaitReady(id);
    } catch (RuntimeException e) {
      deletePod(id);
      throw e;
    }
    KubernetesSandbox s = new KubernetesSandbox(this, id, spec, Instant.now(), Duration.ofNanos(System.nanoTime() - t0));
    open.put(id, s);
    return s;
  }

  private void awaitReady(String id) {
    long deadline = System.nanoTime() + config.readyTimeout().toNanos();
    PodReadiness.State last = new PodReadiness.Pending("not created");
    while (System.nanoTime() < deadline) {
      last = PodReadiness.of(pods().withName(id).get());
      switch (last) {
        case PodReadiness.Ready r -> {
          return;
        }
        case PodReadiness.Failed f -> throw new SandboxFailedException("pod " + id + " cannot start: " + f.reason()
            + (f.message().isEmpty() ? "" : " (" + f.message() + ")") + hint(f.reason()));
        case PodReadiness.Pending p -> sleep(POLL);
      }
    }
    throw new SandboxFailedException("pod " + id + " was not ready after " + config.readyTimeout().toSeconds()
        + " s (" + ((PodReadiness.Pending) last).why() + "); it was deleted");
  }

  private String hint(String reason) {
    return switch (reason) {
      case "ImagePullBackOff", "ErrImagePull", "InvalidImageName" ->
          ": check the image reference and that nodes can pull it";
      case "Unschedulable" -> ": is a node labelled for RuntimeClass " + config.runtimeClass()
          + " (deploy/node/prepare-node.sh), with room for the pod's requests?";
      case "CrashLoopBackOff", "CreateContainerError", "RunContainerError" ->
          ": does the image have `sleep`, and is the node's runtime handler for " + config.runtimeClass() + " installed?";
      default -> "";
    };
  }

  /**
   * Claims a warm pod of {@code pool}: relabels it {@code claimed} under its resourceVersion, so
   * that no two callers get the same pod. Empty when none is left.
   */
  public Optional<Sandbox> claimWarm(String pool, SandboxSpec spec) {
    List<Pod> warm = pods().withLabel(SandboxPods.POOL, pool).withLabel(SandboxPods.STATE, "warm")
        .withLabel(SandboxPods.CONTROLLER, config.controllerId()).list().getItems();
    for (Pod p : warm) {
      if (!(PodReadiness.of(p) instanceof PodReadiness.Ready)) {
        continue;
      }
      Pod claimed = new PodBuilder(p).editMetadata().addToLabels(SandboxPods.STATE, "claimed").endMetadata().build();
      try {
        // update() sends the resourceVersion read above: a pod another claimer changed since is a 409
        pods().resource(claimed).update();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409 || e.getCode() == 404) {
          continue;
        }
        throw new SandboxFailedException("cannot claim warm pod " + p.getMetadata().getName() + ": " + e.getMessage(), e);
      }
      KubernetesSandbox s = new KubernetesSandbox(this, p.getMetadata().getName(), spec, Instant.now(), Duration.ZERO);
      open.put(s.id(), s);
      return Optional.of(s);
    }
    return Optional.empty();
  }

  @Override
  public Sandbox open(String id) {
    Pod p = pods().withName(id).get();
    if (p == null || !ours(p)) {
      throw new SandboxFailedException("no sandbox pod '" + id + "' of this controller in namespace " + config.namespace());
    }
    return open.computeIfAbsent(id, k -> new KubernetesSandbox(this, id,
        dev.acgs.sandbox.core.model.SandboxSpec.builder().build(), Instant.now(), Duration.ZERO));
  }

  private boolean ours(Pod p) {
    Map<String, String> l = p.getMetadata().getLabels();
    return l != null && SandboxPods.MANAGED_BY_VALUE.equals(l.get(SandboxPods.MANAGED_BY))
        && config.controllerId().equals(l.get(SandboxPods.CONTROLLER));
  }

  private List<Pod> ourPods() {
    return pods().withLabel(SandboxPods.MANAGED_BY, SandboxPods.MANAGED_BY_VALUE)
        .withLabel(SandboxPods.CONTROLLER, config.controllerId()).list().getItems();
  }

  @Override
  public List<SandboxInfo> list() {
    return ourPods().stream().map(p -> new SandboxInfo(p.getMetadata().getName(), RuntimeKind.KUBERNETES,
        p.getStatus() == null || p.getStatus().getPhase() == null ? "pending" : p.getStatus().getPhase().toLowerCase(java.util.Locale.ROOT),
        p.getSpec().getContainers().getFirst().getImage(),
        Optional.ofNullable(p.getMetadata().getCreationTimestamp()).map(Instant::parse).orElse(Instant.EPOCH),
        p.getMetadata().getLabels().getOrDefault(SandboxPods.STATE, ""), Map.of())).toList();
  }

  @Override
  public boolean remove(String id) {
    KubernetesSandbox s = open.remove(id);
    if (s != null) {
      s.gone = true;
    }
    return deletePod(id);
  }

  /**
   * Deletes this controller's claimed pods that no open sandbox holds (left by a controller that
   * crashed); warm pods are left to their pool.
   */
  @Override
  public int reapOrphans() {
    int n = 0;
    for (Pod p : ourPods()) {
      String id = p.getMetadata().getName();
      if (!open.containsKey(id) && !"warm".equals(p.getMetadata().getLabels().get(SandboxPods.STATE))) {
        if (deletePod(id)) {
          n++;
        }
      }
    }
    return n;
  }

  /** Deletes the pods of a warm pool (at shutdown). */
  public int deletePool(String pool) {
    int n = 0;
    for (Pod p : pods().withLabel(SandboxPods.POOL, pool).withLabel(SandboxPods.STATE, "warm")
        .withLabel(SandboxPods.CONTROLLER, config.controllerId()).list().getItems()) {
      n += deletePod(p.getMetadata().getName()) ? 1 : 0;
    }
    return n;
  }

  @Override
  public void checkAvailable() {
    try {
      pods().list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build());
    } catch (KubernetesClientException e) {
      throw new RuntimeUnavailableException("the Kubernetes API at " + client.getMasterUrl() + " cannot list pods in "
          + config.namespace() + " (" + e.getMessage() + "): check the kubeconfig or in-cluster service account and"
          + " the Role in deploy/k8s/rbac.yaml");
    }
  }

  boolean exists(String id) {
    try {
      Pod p = pods().withName(id).get();
      return p != null && p.getMetadata().getDeletionTimestamp() == null;
    } catch (KubernetesClientException e) {
      return true; // the API did not answer: not proof that it is gone
    }
  }

  /** Deletes a pod at once (grace period 0). True if there was one. */
  boolean deletePod(String id) {
    try {
      return !pods().withName(id).withGracePeriod(0).delete().isEmpty();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw new SandboxFailedException("cannot delete pod " + id + ": " + e.getMessage(), e);
    }
  }

  void forget(KubernetesSandbox s) {
    open.remove(s.id(), s);
  }

  /** Whether the watch that marks vanished pods' sandboxes dead is open. */
  boolean watching() {
    return watch != null;
  }

  /** A pod of an open sandbox that disappears marks its sandbox dead. */
  private synchronized void ensureWatch() {
    if (watch != null) {
      return;
    }
    watch = pods().withLabel(SandboxPods.CONTROLLER, config.controllerId()).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        KubernetesSandbox s = open.get(pod.getMetadata().getName());
        if (s != null && (action == Action.DELETED || PodReadiness.of(pod) instanceof PodReadiness.Failed)) {
          s.gone = true;
          LOG.info("sandbox pod {} went away ({}), its sandbox is dead", pod.getMetadata().getName(), action);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        LOG.warn("the pod watch closed: {}; it is opened again at the next create", cause.getMessage());
        synchronized (KubernetesRuntime.this) {
          watch = null;
        }
      }
    });
  }

  @Override
  public void close() {
    for (KubernetesSandbox s : List.copyOf(open.values())) {
      try {
        s.close();
      } catch (RuntimeException e) {
        LOG.warn("pod {} was not deleted: {}", s.id(), e.getMessage());
      }
    }
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxFailedException("interrupted while waiting for a pod", e);
    }
  }
}
