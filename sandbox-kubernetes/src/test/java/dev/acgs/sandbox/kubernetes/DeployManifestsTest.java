package dev.acgs.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s as kubectl renders it: every object the controller and the sandboxes rely on is there,
 * named as the code and the node scripts expect, and every workload passes Pod Security "restricted".
 */
class DeployManifestsTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String SANDBOXES = "ai-sandboxes";
  static final String SYSTEM = "acgs-system";
  static List<HasMetadata> objects;

  @BeforeAll
  static void render() throws Exception {
    Repo.requireTool("kubectl", "apt-get install kubernetes-client (Debian), or see https://kubernetes.io/docs/tasks/tools/");
    Repo.Run r = Repo.run(Repo.root(), "kubectl", "kustomize", "deploy/k8s");
    assertThat(r.exit()).as("kubectl kustomize deploy/k8s must render: " + r.describe()).isZero();
    objects = parse(r.stdout());
  }

  static List<HasMetadata> parse(String yaml) {
    Object parsed = YAML.unmarshal(yaml);
    List<HasMetadata> out = new ArrayList<>();
    if (parsed instanceof List<?> list) {
      list.forEach(o -> out.add((HasMetadata) o));
    } else {
      out.add((HasMetadata) parsed);
    }
    return out;
  }

  static <T extends HasMetadata> T one(Class<T> kind, String namespace, String name) {
    List<T> found = objects.stream().filter(kind::isInstance).map(kind::cast)
        .filter(o -> name.equals(o.getMetadata().getName()))
        .filter(o -> Optional.ofNullable(o.getMetadata().getNamespace()).orElse("").equals(namespace))
        .toList();
    if (found.size() != 1) {
      fail("deploy/k8s renders " + found.size() + " " + kind.getSimpleName() + " named " + name
          + (namespace.isEmpty() ? "" : " in namespace " + namespace) + "; expected exactly one. Rendered: "
          + objects.stream().map(DeployManifestsTest::describe).toList());
    }
    return found.get(0);
  }

  static String describe(HasMetadata o) {
    return o.getKind() + " " + Optional.ofNullable(o.getMetadata().getNamespace()).map(n -> n + "/").orElse("") + o.getMetadata().getName();
  }

  @Test
  void rendersExactlyTheExpectedObjects() {
    assertThat(objects.stream().map(DeployManifestsTest::describe)).containsExactlyInAnyOrder(
        "RuntimeClass gvisor", "RuntimeClass kata-firecracker",
        "Namespace ai-sandboxes", "Namespace acgs-system",
        "NetworkPolicy ai-sandboxes/default-deny",
        "ResourceQuota ai-sandboxes/sandboxes", "LimitRange ai-sandboxes/sandbox-defaults",
        "ServiceAccount acgs-system/sandbox-controller",
        "Role ai-sandboxes/sandbox-controller", "RoleBinding ai-sandboxes/sandbox-controller",
        "ConfigMap acgs-system/sandbox-controller-config",
        "Deployment acgs-system/sandbox-controller", "Service acgs-system/sandbox-controller");
  }

  @Test
  void runtimeClassesPointAtThePreparedNodesAndTheirHandlers() {
    RuntimeClass gvisor = one(RuntimeClass.class, "", "gvisor");
    assertThat(gvisor.getHandler()).isEqualTo("runsc");
    assertThat(gvisor.getScheduling().getNodeSelector()).containsExactly(Map.entry("sandbox", "gvisor"));
    assertThat(gvisor.getScheduling().getTolerations()).anySatisfy(t -> {
      assertThat(t.getKey()).isEqualTo("sandbox");
      assertThat(t.getValue()).isEqualTo("gvisor");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(gvisor.getOverhead().getPodFixed()).containsKeys("cpu", "memory");

    RuntimeClass kata = one(RuntimeClass.class, "", "kata-firecracker");
    assertThat(kata.getHandler()).isEqualTo("kata");
    assertThat(kata.getScheduling().getNodeSelector()).containsExactly(Map.entry("sandbox", "kata"));
    assertThat(kata.getOverhead().getPodFixed().get("memory").toString()).isEqualTo("130Mi");
    assertThat(kata.getOverhead().getPodFixed().get("cpu").toString()).isEqualTo("250m");
  }

  @Test
  void bothNamespacesEnforcePodSecurityRestricted() {
    for (String name : List.of(SANDBOXES, SYSTEM)) {
      assertThat(one(Namespace.class, "", name).getMetadata().getLabels()).as(name)
          .containsEntry("pod-security.kubernetes.io/enforce", "restricted")
          .containsEntry("pod-security.kubernetes.io/enforce-version", "latest")
          .containsEntry("pod-security.kubernetes.io/audit", "restricted")
          .containsEntry("pod-security.kubernetes.io/warn", "restricted");
    }
  }

  @Test
  void sandboxesGetNoNetworkByDefault() {
    NetworkPolicy deny = one(NetworkPolicy.class, SANDBOXES, "default-deny");
    assertThat(deny.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(deny.getSpec().getIngress()).isNullOrEmpty();
    assertThat(deny.getSpec().getEgress()).isNullOrEmpty();
    assertThat(deny.getSpec().getPodSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/managed-by", "acgs-sandbox-controller")
        .containsEntry("acgs.dev/role", "sandbox");
  }

  @Test
  void theOptInEgressExampleExcludesPrivateRangesAndTheMetadataService() throws Exception {
    NetworkPolicy egress = (NetworkPolicy) parse(Files.readString(Repo.root().resolve("deploy/k8s/examples/egress-dns-and-https.yaml"))).get(0);
    assertThat(egress.getMetadata().getNamespace()).isEqualTo(SANDBOXES);
    assertThat(egress.getSpec().getPodSelector().getMatchLabels()).containsEntry("acgs.dev/egress", "dns-and-https")
        .containsEntry("acgs.dev/role", "sandbox");
    assertThat(egress.getSpec().getPolicyTypes()).containsExactly("Egress");
    var https = egress.getSpec().getEgress().stream()
        .filter(r -> r.getTo().stream().anyMatch(p -> p.getIpBlock() != null)).findFirst().orElseThrow();
    assertThat(https.getTo().get(0).getIpBlock().getCidr()).isEqualTo("0.0.0.0/0");
    assertThat(https.getTo().get(0).getIpBlock().getExcept())
        .contains("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16");
    assertThat(https.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(443));
  }

  @Test
  void theControllerMayOnlyManagePodsInTheSandboxNamespace() {
    Role role = one(Role.class, SANDBOXES, "sandbox-controller");
    Set<String> grants = role.getRules().stream().flatMap(DeployManifestsTest::grants).collect(Collectors.toSet());
    assertThat(grants).containsExactlyInAnyOrder(
        "pods:get", "pods:list", "pods:watch", "pods:create", "pods:delete", "pods:patch",
        "pods/exec:create", "pods/exec:get", "pods/log:get");
    assertThat(objects).noneMatch(o -> o.getKind().equals("ClusterRole") || o.getKind().equals("ClusterRoleBinding"));

    RoleBinding binding = one(RoleBinding.class, SANDBOXES, "sandbox-controller");
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo("sandbox-controller");
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo("sandbox-controller");
      assertThat(s.getNamespace()).isEqualTo(SYSTEM);
    });
    one(ServiceAccount.class, SYSTEM, "sandbox-controller");
  }

  /** One "resource:verb" per pair a rule grants; a wildcard or a non-core group shows up as such. */
  static Stream<String> grants(PolicyRule rule) {
    assertThat(rule.getApiGroups()).as("only the core API group").containsExactly("");
    assertThat(rule.getResourceNames()).as("no per-name rules expected").isNullOrEmpty();
    return rule.getResources().stream().flatMap(r -> rule.getVerbs().stream().map(v -> r + ":" + v));
  }

  @Test
  void theQuotaAndLimitRangeBoundTheSandboxNamespace() {
    ResourceQuota quota = one(ResourceQuota.class, SANDBOXES, "sandboxes");
    assertThat(quota.getSpec().getHard()).containsKeys("pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory");
    assertThat(quota.getSpec().getHard().get("pods").toString()).isEqualTo("110");
    LimitRange limits = one(LimitRange.class, SANDBOXES, "sandbox-defaults");
    assertThat(limits.getSpec().getLimits()).singleElement().satisfies(l -> {
      assertThat(l.getType()).isEqualTo("Container");
      assertThat(l.getDefault().get("memory").toString()).isEqualTo("512Mi");
      assertThat(l.getDefault().get("cpu").toString()).isEqualTo("1");
    });
  }

  @Test
  void theControllerRunsHardenedWithItsConfigTokensAndMetrics() throws Exception {
    Deployment d = one(Deployment.class, SYSTEM, "sandbox-controller");
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("sandbox-controller");
    assertThat(pod.getAutomountServiceAccountToken()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(1000L);
    var container = pod.getContainers().get(0);
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/port", "8080")
        .containsEntry("prometheus.io/path", "/metrics");

    ConfigMap config = one(ConfigMap.class, SYSTEM, "sandbox-controller-config");
    assertThat(pod.getVolumes().stream().filter(v -> v.getConfigMap() != null).map(v -> v.getConfigMap().getName()))
        .containsExactly(config.getMetadata().getName());
    @SuppressWarnings("unchecked")
    Map<String, Object> json = YAML.unmarshal(config.getData().get("config.json"), Map.class);
    assertThat(json).containsEntry("runtime", "kubernetes").containsEntry("kubernetes", Map.of("namespace", SANDBOXES));
    assertThat(container.getArgs()).contains("--config=/etc/sandboxctl/config/config.json", "--tokens=/etc/sandboxctl/tokens/tokens");

    Secret example = (Secret) parse(Files.readString(Repo.root().resolve("deploy/k8s/examples/tokens-secret.yaml"))).get(0);
    assertThat(example.getMetadata().getNamespace()).isEqualTo(SYSTEM);
    assertThat(pod.getVolumes().stream().filter(v -> v.getSecret() != null).map(v -> v.getSecret().getSecretName()))
        .containsExactly(example.getMetadata().getName());
    assertThat(example.getStringData().get("tokens")).matches("(?s)[a-z]+ [0-9a-f]{64}\\n");

    Service service = one(Service.class, SYSTEM, "sandbox-controller");
    assertThat(service.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(8080));
    assertThat(container.getPorts()).anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
  }

  @Test
  void everyWorkloadPassesPodSecurityRestricted() {
    int workloads = 0;
    for (HasMetadata o : objects) {
      Optional<PodSpec> spec = podSpec(o);
      if (spec.isEmpty()) {
        continue;
      }
      workloads++;
      String prefix = o instanceof CronJob ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
      assertThat(PodSecurity.restricted(spec.get(), prefix)).as(describe(o) + " must be Pod Security restricted").isEmpty();
    }
    assertThat(workloads).as("the controller's Deployment at least").isPositive();
  }

  static Optional<PodSpec> podSpec(HasMetadata o) {
    return switch (o) {
      case Deployment d -> Optional.of(d.getSpec().getTemplate().getSpec());
      case StatefulSet s -> Optional.of(s.getSpec().getTemplate().getSpec());
      case DaemonSet s -> Optional.of(s.getSpec().getTemplate().getSpec());
      case Job j -> Optional.of(j.getSpec().getTemplate().getSpec());
      case CronJob c -> Optional.of(c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec());
      case io.fabric8.kubernetes.api.model.Pod p -> Optional.of(p.getSpec());
      default -> Optional.empty();
    };
  }

  @Test
  void theKustomizationListsEveryManifestAndOnlyPlainResources() throws Exception {
    Path k8s = Repo.root().resolve("deploy/k8s");
    String kustomization = Files.readString(k8s.resolve("kustomization.yaml"));
    List<String> yamlFiles;
    try (Stream<Path> files = Files.list(k8s)) {
      yamlFiles = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).sorted().toList();
    }
    assertThat(yamlFiles).isNotEmpty().allSatisfy(f -> assertThat(kustomization).as("kustomization.yaml lists " + f).contains("  - " + f + "\n"));
    // kubectl 1.20's kustomize (v2.0.3) knows resources, not these newer fields
    assertThat(kustomization).doesNotContain("labels:", "patches:", "replacements:", "components:", "helmCharts:", "sortOptions:");
  }
}
