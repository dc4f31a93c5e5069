package dev.acgs.sandbox.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.kubernetes.FakeKubelet;
import dev.acgs.sandbox.kubernetes.SandboxPods;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.server.api.TokenStore;
import dev.acgs.sandbox.server.pool.Template;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The controller with a template on {@code runtime: kubernetes}: its pool and its sandboxes are
 * pods, created, exec'd into and deleted through the Kubernetes API — fabric8's mock API server in
 * CRUD mode (no real API server can run on these machines), with a fake kubelet giving pods status.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerKubernetesIT {
  static final String NS = "ai-sandboxes";
  KubernetesMockServer server;
  KubernetesClient client;

  List<Pod> pods() {
    return pods(client);
  }

  static List<Pod> pods(KubernetesClient client) {
    return client.pods().inNamespace(NS).withLabel(SandboxPods.MANAGED_BY, SandboxPods.MANAGED_BY_VALUE).list().getItems();
  }

  @Test
  void aKubernetesTemplateKeepsWarmPodsAndItsSandboxesArePodsUntilDeleted() throws Exception {
    Path dir = Files.createTempDirectory("controller-k8s");
    String token = "k8s-token-" + System.nanoTime();
    Files.writeString(dir.resolve("tokens"), "carol " + TokenStore.sha256Hex(token) + "\n");
    ServerConfig cfg = ServerConfig.defaults(TestServer.STATE_DIR, dir.resolve("tokens"))
        .withListen("127.0.0.1", 0).withDatabase(dir.resolve("controller.db"))
        .withTemplates(Map.of("k8s-python", new Template("k8s-python", "default", RuntimeKind.KUBERNETES,
            ResourceLimits.DEFAULT, "enhanced", 1, 2, "kata-firecracker")));
    FakeKubelet kubelet = new FakeKubelet(client, NS);
    try (ControllerServer controller = ControllerServer.start(cfg, () -> client)) {
      var carol = new dev.acgs.sandbox.client.SandboxClient(java.net.URI.create(controller.url() + "/"), token);
      Awaitility.await("a warm pod").atMost(Duration.ofSeconds(20)).until(() -> pods().size() == 1);
      assertThat(pods().getFirst().getSpec().getRuntimeClassName()).isEqualTo("kata-firecracker");

      JsonNode created = carol.createSandbox(Map.of("template", "k8s-python"));
      String id = created.get("id").asText();
      assertThat(created.get("runtime").asText()).isEqualTo("kubernetes");
      assertThat(created.at("/timings/fromPool").asBoolean()).as("claimed from the warm pool").isTrue();
      Awaitility.await("the pool refilled").atMost(Duration.ofSeconds(20)).until(() -> pods().size() == 2);

      server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/" + id
              + "/exec?command=python3&command=-c&command=print%281%29&container=sandbox&stdout=true&stderr=true")
          .andUpgradeToWebSocket().open()
          .waitFor(10).andEmit(new OutputStreamMessage("1\n"))
          .waitFor(10).andEmit(new StatusStreamMessage(0))
          .done().once();
      JsonNode r = carol.exec(id, Map.of("argv", List.of("python3", "-c", "print(1)")));
      assertThat(r.get("exitCode").asInt()).isZero();
      assertThat(r.get("stdout").asText()).isEqualTo("1\n");

      carol.deleteSandbox(id);
      Awaitility.await("the pod deleted").atMost(Duration.ofSeconds(20))
          .until(() -> pods().stream().noneMatch(p -> p.getMetadata().getName().equals(id)));
      Awaitility.await("the pool gauge").atMost(Duration.ofSeconds(10)).until(() -> ControllerIT.scrape(controller.url(),
          "text/plain").contains("sandbox_live{runtime=\"kubernetes\",state=\"pooled\"} 1.0"));
      // the warm pod is in the cluster, labelled: another controller sharing the pool would see it too
      assertThat(pods()).singleElement().satisfies(p -> assertThat(p.getMetadata().getLabels())
          .containsEntry(SandboxPods.STATE, "warm").containsEntry(SandboxPods.POOL, "k8s-python"));
    } finally {
      kubelet.close();
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    try (KubernetesClient after = server.createClient()) { // the controller closed the client it was given
      assertThat(pods(after)).as("the controller deleted its pods, pooled ones included, at shutdown").isEmpty();
    }
  }
}
