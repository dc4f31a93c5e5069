package dev.acgs.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acgs.sandbox.cli.commands.ServeCommand;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.server.ServerConfig;
import dev.acgs.sandbox.server.pool.Template;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The controller settings shipped in deploy/k8s are ones `sandboxctl serve --config` accepts as meant. */
class DeployConfigTest {
  @Test
  void theDeploymentsConfigMapRunsThePythonTemplateAsGvisorPodsInAiSandboxes(@TempDir Path dir) throws Exception {
    ConfigMap cm;
    try (InputStream in = Files.newInputStream(Path.of("../deploy/k8s/controller-config.yaml"))) {
      cm = Serialization.unmarshal(in, ConfigMap.class);
    }
    Path config = Files.writeString(dir.resolve("config.json"), cm.getData().get("config.json"));
    Path tokens = Files.writeString(dir.resolve("tokens"), "tenant " + "0".repeat(64) + "\n");
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs("--tokens", tokens.toString(), "--config", config.toString(), "--state-dir", dir.toString());
    ServerConfig cfg = serve.config();
    assertThat(cfg.kubernetesNamespace()).isEqualTo("ai-sandboxes");
    Template python = cfg.templates().get("python");
    assertThat(python.runtime()).isEqualTo(RuntimeKind.KUBERNETES);
    assertThat(python.runtimeClass()).isEqualTo("gvisor");
    assertThat(python.poolMin()).isPositive();
  }
}
