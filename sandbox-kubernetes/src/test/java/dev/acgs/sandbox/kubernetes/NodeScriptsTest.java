package dev.acgs.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/node: the scripts are shellcheck-clean, and containerd-merge.py adds runsc to real-world
 * containerd configs without losing a key, refuses what it cannot merge safely, and is idempotent.
 */
class NodeScriptsTest {
  static final Path NODE = Repo.root().resolve("deploy/node");
  static final Path SAMPLES = Path.of("src/test/resources/containerd").toAbsolutePath();
  static final String MERGE = NODE.resolve("containerd-merge.py").toString();
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  @TempDir Path dir;

  @BeforeAll
  static void tools() {
    Repo.requireTool("python3", "apt-get install python3 (3.11 or newer, for tomllib)");
  }

  @Test
  void everyScriptIsShellcheckClean() throws Exception {
    Repo.requireTool("shellcheck", "apt-get install shellcheck");
    List<String> scripts;
    try (Stream<Path> files = Files.list(NODE)) {
      scripts = files.filter(p -> p.toString().endsWith(".sh")).map(Path::toString).sorted().toList();
    }
    assertThat(scripts).hasSizeGreaterThanOrEqualTo(2);
    Repo.Run r = Repo.run(NODE, Stream.concat(Stream.of("shellcheck", "--external-sources"), scripts.stream()).toList());
    assertThat(r.exit()).as(r.describe()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"empty.toml", "runc-v2.toml", "configured-v2.toml", "v3.toml", "mirrors-v2.toml"})
  void mergeKeepsEveryKeyAddsRunscAndIsIdempotent(String sample) throws Exception {
    Path config = copy(sample);
    byte[] original = Files.readAllBytes(config);
    Map<String, Object> before = leaves(dump(config));

    Repo.Run first = merge(config);
    assertThat(first.exit()).as(first.describe()).isZero();
    Repo.Run validate = Repo.run(dir, "python3", MERGE, "--validate", config.toString());
    assertThat(validate.exit()).as(validate.describe()).isZero();

    Map<String, Object> after = leaves(dump(config));
    assertThat(after).as("every key of the original keeps its value").containsAllEntriesOf(before);
    String plugin = sample.startsWith("v3") ? "io.containerd.cri.v1.runtime" : "io.containerd.grpc.v1.cri";
    String runsc = "plugins/" + plugin + "/containerd/runtimes/runsc/";
    assertThat(after).containsEntry(runsc + "runtime_type", "io.containerd.runsc.v1")
        .containsEntry(runsc + "options/ConfigPath", "/etc/containerd/runsc.toml")
        .containsEntry(runsc + "options/TypeUrl", "io.containerd.runsc.v1.options");

    byte[] merged = Files.readAllBytes(config);
    Repo.Run second = merge(config);
    assertThat(second.exit()).as(second.describe()).isZero();
    assertThat(second.stdout()).contains("nothing changed");
    assertThat(Files.readAllBytes(config)).as("a second run leaves the file byte for byte").isEqualTo(merged);

    List<Path> backups = backups();
    if (original.length == 0 || sample.startsWith("configured")) {
      assertThat(backups).as("nothing to back up").isEmpty();
    } else {
      assertThat(backups).singleElement().satisfies(b -> assertThat(Files.readAllBytes(b)).isEqualTo(original));
    }
    if (sample.startsWith("configured")) {
      assertThat(merged).isEqualTo(original);
    }
  }

  @Test
  void anEmptyOrMissingFileBecomesAVersion2Config() throws Exception {
    Path config = dir.resolve("etc/containerd/config.toml");
    Repo.Run r = merge(config);
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(Files.readString(config)).startsWith("version = 2\n")
        .contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runsc]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"unparseable.toml", "version1.toml", "other-runtime-type-v2.toml", "inline-runtimes-v2.toml"})
  void whatCannotBeMergedSafelyIsLeftUntouchedWithTheReason(String sample) throws Exception {
    Path config = copy(sample);
    byte[] original = Files.readAllBytes(config);
    Repo.Run r = merge(config);
    assertThat(r.exit()).as(r.describe()).isEqualTo(2);
    assertThat(r.stderr()).contains("nothing was changed");
    String reason = switch (sample) {
      case "unparseable.toml" -> "is not valid TOML";
      case "version1.toml" -> "containerd config migrate";
      case "other-runtime-type-v2.toml" -> "runtime_type = 'io.containerd.runc.v2'";
      default -> "Add it by hand";
    };
    assertThat(r.stderr()).contains(reason);
    assertThat(Files.readAllBytes(config)).isEqualTo(original);
    assertThat(backups()).isEmpty();
  }

  @Test
  void checkSaysWhatIsMissingWithExit1AndChangesNothing() throws Exception {
    Path config = copy("runc-v2.toml");
    byte[] original = Files.readAllBytes(config);
    Repo.Run missing = Repo.run(dir, "python3", MERGE, "--check", "--config", config.toString());
    assertThat(missing.exit()).as(missing.describe()).isEqualTo(1);
    assertThat(missing.stdout()).contains("lacks").contains("runtimes.runsc]");
    assertThat(Files.readAllBytes(config)).isEqualTo(original);

    assertThat(merge(config).exit()).isZero();
    Repo.Run present = Repo.run(dir, "python3", MERGE, "--check", "--config", config.toString());
    assertThat(present.exit()).as(present.describe()).isZero();
  }

  @Test
  void seccompProfilesInstallUnderTheirAcgsNames() throws Exception {
    Path dest = dir.resolve("kubelet/seccomp/profiles");
    String script = NODE.resolve("install-seccomp-profiles.sh").toString();
    assertThat(Repo.run(dir, script, "--check", "--dest", dest.toString()).exit()).isEqualTo(1);
    Repo.Run install = Repo.run(dir, script, "--dest", dest.toString());
    assertThat(install.exit()).as(install.describe()).isZero();
    Repo.Run check = Repo.run(dir, script, "--check", "--dest", dest.toString());
    assertThat(check.exit()).as(check.describe()).isZero();
    assertThat(Files.readString(dest.resolve("acgs-enhanced.json")))
        .isEqualTo(Files.readString(Repo.root().resolve("deploy/k8s/seccomp/enhanced.json")));
    assertThat(dest.resolve("acgs-baseline.json")).exists();
  }

  @Test
  void prepareNodeRefusesAnUnknownRuntimeAndNamesTheChoices() throws Exception {
    Repo.Run r = Repo.run(dir, NODE.resolve("prepare-node.sh").toString(), "--check", "--runtime", "docker");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr()).contains("--runtime must be gvisor or kata, not 'docker'");
  }

  private Path copy(String sample) throws IOException {
    Path config = dir.resolve("config.toml");
    Files.copy(SAMPLES.resolve(sample), config);
    return config;
  }

  private Repo.Run merge(Path config) throws IOException, InterruptedException {
    return Repo.run(dir, "python3", MERGE, "--config", config.toString(), "--runsc-config", "/etc/containerd/runsc.toml");
  }

  private List<Path> backups() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("config.toml.bak-")).toList();
    }
  }

  /** The file parsed as TOML by the merge script's own --dump-json (so by Python's tomllib). */
  private Map<String, Object> dump(Path config) throws IOException, InterruptedException {
    Repo.Run r = Repo.run(dir, "python3", MERGE, "--dump-json", config.toString());
    assertThat(r.exit()).as(r.describe()).isZero();
    @SuppressWarnings("unchecked")
    Map<String, Object> parsed = JSON.unmarshal(r.stdout(), Map.class);
    return parsed;
  }

  /** Every leaf value under its slash-separated key path (keys may contain dots). */
  static Map<String, Object> leaves(Map<String, Object> tree) {
    Map<String, Object> out = new TreeMap<>();
    flatten("", tree, out);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> tree, Map<String, Object> out) {
    tree.forEach((k, v) -> {
      if (v instanceof Map<?, ?> m && !m.isEmpty()) {
        flatten(prefix + k + "/", (Map<String, Object>) m, out);
      } else {
        out.put(prefix + k, v);
      }
    });
  }
}
