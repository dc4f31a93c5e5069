package dev.acgs.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Kubernetes runtime against fabric8's mock API server in CRUD mode (no API server can run on
 * these machines): pods are really created, read, patched, watched and deleted over HTTP; a
 * {@link FakeKubelet} gives them the status a node would; exec is a scripted WebSocket exchange.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesRuntimeTest {
  static final String NS = "ai-sandboxes";
  KubernetesMockServer server;
  KubernetesClient client;
  FakeKubelet kubelet;
  KubernetesRuntime runtime;

  @BeforeEach
  void start() {
    kubelet = new FakeKubelet(client, NS);
    runtime = new KubernetesRuntime(client, KubernetesConfig.defaults("gvisor").withReadyTimeout(Duration.ofSeconds(5)));
  }

  @AfterEach
  void stop() throws Exception {
    runtime.close();
    kubelet.close();
  }

  List<Pod> pods() {
    return client.pods().inNamespace(NS).list().getItems();
  }

  /** The exec API's request for {@code argv} in the sandbox container, as the fabric8 client sends it. */
  static String execPath(String pod, String... argv) {
    String commands = java.util.Arrays.stream(argv).map(a -> "command=" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20"))
        .collect(Collectors.joining("&"));
    return "/api/v1/namespaces/" + NS + "/pods/" + pod + "/exec?" + commands + "&container=sandbox&stdout=true&stderr=true";
  }

  @Test
  void aSandboxIsCreatedReadyRunsACommandAndIsDeleted() {
    Sandbox s = runtime.create(SandboxSpec.builder().build());
    assertThat(pods()).extracting(p -> p.getMetadata().getName()).containsExactly(s.id());
    server.expect().get().withPath(execPath(s.id(), "python3", "-c", "print(6*7)")).andUpgradeToWebSocket().open()
        .waitFor(10).andEmit(new OutputStreamMessage("42\n"))
        .waitFor(10).andEmit(new ErrorStreamMessage("a warning\n"))
        .waitFor(10).andEmit(new StatusStreamMessage(0))
        .done().once();
    ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(10), "python3", "-c", "print(6*7)"));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdoutText()).isEqualTo("42\n");
    assertThat(r.stderrText()).isEqualTo("a warning\n");
    assertThat(s.isAlive()).isTrue();
    s.close();
    assertThat(pods()).isEmpty();
    assertThat(s.isAlive()).isFalse();
  }

  @Test
  void aFailingCommandsExitCodeAndBoundedOutputComeBack() {
    Sandbox s = runtime.create(SandboxSpec.builder().build());
    server.expect().get().withPath(execPath(s.id(), "sh", "-c", "yes | head -c 5000; exit 3")).andUpgradeToWebSocket().open()
        .waitFor(10).andEmit(new OutputStreamMessage("y\n".repeat(2500)))
        .waitFor(10).andEmit(new StatusStreamMessage(3))
        .done().once();
    ExecResult r = s.exec(new ExecRequest(List.of("sh", "-c", "yes | head -c 5000; exit 3"), java.util.Map.of(),
        Optional.empty(), Duration.ofSeconds(10), 100));
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdout()).hasSize(100);
    assertThat(r.stdoutTruncated()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "pull-fails:1, ImagePullBackOff, check the image reference",
      "crashes:1, CrashLoopBackOff, does the image have `sleep`",
      "too-big:1, Unschedulable, is a node labelled for RuntimeClass gvisor"})
  void aPodThatCannotStartFailsFastWithItsReasonAndIsDeleted(String image, String reason, String hint) {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> runtime.create(SandboxSpec.builder().image(image).build()))
        .isInstanceOf(SandboxFailedException.class).hasMessageContaining(reason).hasMessageContaining(hint);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("fails fast, well before the ready timeout")
        .isLessThan(Duration.ofSeconds(4));
    assertThat(pods()).isEmpty();
  }

  @Test
  void aPodThatNeverBecomesReadyIsDeletedAtTheDeadline() {
    KubernetesRuntime impatient = new KubernetesRuntime(client,
        KubernetesConfig.defaults("gvisor").withReadyTimeout(Duration.ofMillis(500)));
    assertThatThrownBy(() -> impatient.create(SandboxSpec.builder().image("never-ready:1").build()))
        .hasMessageContaining("was not ready after 0 s").hasMessageContaining("deleted");
    assertThat(pods()).isEmpty();
    impatient.close();
  }

  @Test
  void thePodIsTheHardenedSpecAndPassesPodSecurityRestricted() {
    Sandbox s = runtime.create(SandboxSpec.builder().seccompProfile("enhanced").build());
    Pod p = client.pods().inNamespace(NS).withName(s.id()).get();
    var spec = p.getSpec();
    assertThat(PodSecurity.restricted(spec, "spec")).isEmpty();
    assertThat(spec.getRuntimeClassName()).isEqualTo("gvisor");
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getEnableServiceLinks()).isFalse();
    assertThat(spec.getHostUsers()).isFalse();
    assertThat(spec.getRestartPolicy()).isEqualTo("Never");
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(1800L);
    assertThat(spec.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
    assertThat(spec.getSecurityContext().getFsGroup()).isEqualTo(1000L);
    assertThat(spec.getSecurityContext().getSeccompProfile().getLocalhostProfile()).isEqualTo("profiles/acgs-enhanced.json");
    var c = spec.getContainers().getFirst();
    assertThat(c.getImage()).isEqualTo("python:3.12-slim");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getResources().getLimits()).isEqualTo(c.getResources().getRequests());
    assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo(Long.toString(512L * 1024 * 1024));
    assertThat(spec.getVolumes().getFirst().getEmptyDir().getSizeLimit().toString()).isEqualTo(Long.toString(64L * 1024 * 1024));
    assertThat(p.getMetadata().getLabels()).containsEntry(SandboxPods.MANAGED_BY, SandboxPods.MANAGED_BY_VALUE)
        .containsEntry(SandboxPods.CONTROLLER, "acgs").containsEntry(SandboxPods.STATE, "claimed");
    s.close();
  }

  @Test
  void warmPodsAreClaimedOnceEachByConcurrentClaimers() throws Exception {
    SandboxSpec spec = SandboxSpec.builder().build();
    Set<String> warm = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      warm.add(runtime.prewarm(spec, "python"));
    }
    int claimers = 8;
    List<Callable<Optional<Sandbox>>> tasks = new ArrayList<>();
    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(claimers);
    for (int i = 0; i < claimers; i++) {
      tasks.add(() -> {
        together.await();
        return runtime.claimWarm("python", spec);
      });
    }
    List<String> got = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(claimers)) {
      for (Future<Optional<Sandbox>> f : pool.invokeAll(tasks)) {
        f.get().ifPresent(s -> got.add(s.id()));
      }
    }
    assertThat(got).as("every warm pod handed out once, none twice").hasSize(3).doesNotHaveDuplicates();
    assertThat(new HashSet<>(got)).isEqualTo(warm);
    assertThat(pods()).allSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry(SandboxPods.STATE, "claimed"));
    assertThat(runtime.claimWarm("python", spec)).isEmpty();
  }

  @Test
  void aPodThatVanishesMarksItsSandboxDeadAndOrphansAreReaped() throws Exception {
    Sandbox s = runtime.create(SandboxSpec.builder().build());
    client.pods().inNamespace(NS).withName(s.id()).withGracePeriod(0).delete();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !s.isAlive());

    // a controller that crashed left a claimed pod; a warm one and another controller's stay
    KubernetesRuntime crashed = new KubernetesRuntime(client, KubernetesConfig.defaults("gvisor"));
    String leftover = crashed.create(SandboxSpec.builder().build()).id();
    String warm = crashed.prewarm(SandboxSpec.builder().build(), "python");
    KubernetesConfig other = new KubernetesConfig(NS, "gvisor", KubernetesConfig.DEFAULT_IMAGES, "Localhost", true,
        Duration.ofSeconds(5), Duration.ofMinutes(30), "someone-else");
    String foreign = new KubernetesRuntime(client, other).create(SandboxSpec.builder().build()).id();
    assertThat(runtime.reapOrphans()).isEqualTo(1);
    assertThat(pods()).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder(warm, foreign)
        .doesNotContain(leftover);
  }
}
