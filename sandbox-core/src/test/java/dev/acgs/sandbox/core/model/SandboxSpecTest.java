package dev.acgs.sandbox.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxSpecTest {
  @Test
  void defaultsAreTheHardenedOnes() {
    SandboxSpec s = SandboxSpec.builder().build();
    assertThat(s.image()).isEqualTo("default");
    assertThat(s.user()).isEqualTo(new SandboxUser(1000, 1000));
    assertThat(s.network()).isEqualTo(NetworkPolicy.NONE);
    assertThat(s.seccompProfile()).isEqualTo("enhanced");
    assertThat(s.limits().cpus()).isEqualTo(1.0);
    assertThat(s.limits().memory()).isEqualTo(ByteSize.ofMiB(512));
    assertThat(s.limits().pids()).isEqualTo(128);
  }

  @Test
  void sizesParseAsDockerAndKubernetesUsersWriteThem() {
    assertThat(ByteSize.parse("x", "512m").bytes()).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("x", "512Mi").bytes()).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("x", "1g")).isEqualTo(ByteSize.ofMiB(1024));
    assertThat(ByteSize.parse("x", "1GiB")).isEqualTo(ByteSize.ofMiB(1024));
    assertThat(ByteSize.parse("x", "4096").bytes()).isEqualTo(4096);
    assertThat(ByteSize.ofMiB(512).toString()).isEqualTo("512Mi");
  }

  @Test
  void aSizeThatIsNotASizeSaysWhatIsAllowed() {
    assertThatThrownBy(() -> ByteSize.parse("--memory", "lots"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("--memory: 'lots' is not a size: use a whole number with an optional unit k, m, g or t (for example 512m, 512Mi or 1g)");
    assertThatThrownBy(() -> ByteSize.parse("--memory", "99999999999999999999t")).hasMessageContaining("too large");
  }

  @Test
  void durationsMustBePositive() {
    assertThat(Durations.parsePositive("t", "2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(Durations.parsePositive("t", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parsePositive("t", "3")).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> Durations.parsePositive("--timeout", "-5s"))
        .hasMessage("--timeout: must be positive (got -5s)");
    assertThatThrownBy(() -> Durations.parsePositive("--timeout", "soon")).hasMessageContaining("not a duration");
  }

  @Test
  void limitsAboveTheMaximaAreRefusedNamingTheMaximum() {
    ResourceLimits big = ResourceLimits.DEFAULT.withMemory(ByteSize.ofMiB(8192));
    assertThatThrownBy(() -> big.requireWithin(LimitMaxima.DEFAULT))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("limits.memory: asks for 8Gi; the maximum is 4Gi");
    assertThatThrownBy(() -> ResourceLimits.DEFAULT.withPids(100_000).requireWithin(LimitMaxima.DEFAULT))
        .hasMessageContaining("the maximum is 4096");
  }

  @Test
  void limitsBelowWhatCanRunAreRefused() {
    assertThatThrownBy(() -> ResourceLimits.DEFAULT.withMemory(ByteSize.ofMiB(4))).hasMessageContaining("at least 32Mi");
    assertThatThrownBy(() -> ResourceLimits.DEFAULT.withCpus(0)).hasMessageContaining("limits.cpus");
    assertThatThrownBy(() -> ResourceLimits.DEFAULT.withTmpSize(ByteSize.ofMiB(1024))).hasMessageContaining("/tmp lives in memory");
  }

  @Test
  void badImageEnvAndLabelsAreRefusedWithTheField() {
    assertThatThrownBy(() -> SandboxSpec.builder().image("../etc").build()).hasMessageStartingWith("image:");
    assertThatThrownBy(() -> SandboxSpec.builder().putEnv("1X", "v").build()).hasMessageContaining("'1X' is not a variable name");
    assertThatThrownBy(() -> SandboxSpec.builder().putEnv("X", "a\0b").build()).hasMessageContaining("NUL");
    assertThatThrownBy(() -> SandboxSpec.builder().putLabel("bad key", "v").build()).hasMessageStartingWith("labels:");
  }

  @Test
  void hugeArgvOrEnvironmentIsRefused_soItCannotExhaustTheAgent() {
    String big = "x".repeat(SandboxSpec.MAX_ARGS_AND_ENV_BYTES);
    assertThatThrownBy(() -> SandboxSpec.builder().command("echo", big).build())
        .hasMessageContaining("pass large data as a file or on stdin");
    assertThatThrownBy(() -> new ExecRequest(List.of("echo"), Map.of("BIG", big), java.util.Optional.empty(),
        Duration.ofSeconds(1), 10)).hasMessageContaining("at most");
  }

  @Test
  void onlyTheNonePolicyExistsAndOthersAreExplained() {
    assertThat(NetworkPolicy.parse("n", "none")).isEqualTo(NetworkPolicy.NONE);
    assertThatThrownBy(() -> NetworkPolicy.parse("--network", "host"))
        .hasMessageContaining("'host' is not supported").hasMessageContaining("loopback only");
  }

  @Test
  void theSpecIsImmutable() {
    java.util.ArrayList<String> cmd = new java.util.ArrayList<>(List.of("echo", "a"));
    SandboxSpec s = SandboxSpec.builder().command(cmd).build();
    cmd.add("b");
    assertThat(s.command()).containsExactly("echo", "a");
    assertThatThrownBy(() -> s.command().add("c")).isInstanceOf(UnsupportedOperationException.class);
  }
}
