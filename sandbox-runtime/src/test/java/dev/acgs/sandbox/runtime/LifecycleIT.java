package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.image.ImageNotFoundException;
import dev.acgs.sandbox.runtime.internal.Binaries;
import dev.acgs.sandbox.runtime.internal.Command;
import dev.acgs.sandbox.runtime.state.StateLayout;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Creating, using and removing sandboxes, including every failure path. */
class LifecycleIT {

  static List<String> bundles() throws IOException {
    try (Stream<Path> s = Files.list(new StateLayout(TestHost.STATE_DIR).sandboxes())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static String listed(RuntimeKind k) {
    return Command.run(List.of(Binaries.findRuntime(k).orElseThrow().toString(), "list", "--quiet"), Duration.ofSeconds(30)).stdout();
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aFailingCommandsExitCodeIsPassedThroughAndTheSandboxStaysUsable(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().build())) {
      assertThat(s.exec(ExecRequest.of(Duration.ofSeconds(30), "sh", "-c", "echo out; echo err >&2; exit 7")))
          .satisfies(r -> {
            assertThat(r.exitCode()).isEqualTo(7);
            assertThat(r.stdoutText()).isEqualTo("out\n");
            assertThat(r.stderrText()).isEqualTo("err\n");
            assertThat(r.termination()).isEmpty();
          });
      assertThat(s.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c", "print(6*7)")).stdoutText()).isEqualTo("42\n");
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aCommandThatIsNotInTheImageIsAClearError(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().build())) {
      assertThatThrownBy(() -> s.exec(ExecRequest.of(Duration.ofSeconds(30), "no-such-program", "x")))
          .isInstanceOf(CommandNotStartedException.class)
          .hasMessageContaining("cannot run 'no-such-program'")
          .hasMessageContaining("No such file or directory");
      assertThat(s.isAlive()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aMissingImageIsAClearErrorAndCreatesNothing(RuntimeKind k) throws IOException {
    List<String> before = bundles();
    String listedBefore = listed(k);
    try (TestHost.Tracked rt = TestHost.runtime(k)) {
      assertThatThrownBy(() -> rt.create(SandboxSpec.builder().image("no-such-image").build()))
          .isInstanceOf(ImageNotFoundException.class)
          .hasMessageContaining("image 'no-such-image' is not in")
          .hasMessageContaining("sandboxctl image build --name no-such-image");
      assertThatThrownBy(() -> rt.create(SandboxSpec.builder().seccompProfile("no-such-profile").build()))
          .isInstanceOf(InvalidSpecException.class).hasMessageContaining("built-in profiles are [baseline, enhanced, strict]");
    }
    assertThat(bundles()).isEqualTo(before);
    assertThat(listed(k)).isEqualTo(listedBefore);
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aStartThatTimesOutHalfWayLeavesNothingBehind(RuntimeKind k) throws IOException {
    // A start deadline this short expires while the runtime is still creating the container, after
    // the bundle, the pipes, the cgroup and (runc) the id range exist.
    TestHost.ensureDefaultImage();
    List<String> before = bundles();
    String listedBefore = listed(k);
    RuntimeConfig impatient = new RuntimeConfig(TestHost.STATE_DIR, Duration.ofMillis(5));
    try (SandboxRuntime rt = SandboxRuntime.create(k, impatient)) {
      assertThatThrownBy(() -> rt.create(SandboxSpec.builder().build()))
          .isInstanceOf(SandboxFailedException.class)
          .hasMessageMatching("(?s).*(did not finish within|did not answer within|stopped while starting).*");
    }
    assertThat(bundles()).isEqualTo(before);
    assertThat(listed(k)).isEqualTo(listedBefore);
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void stdinIsPassedToTheCommand(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().build())) {
      byte[] input = "hello from stdin\n".repeat(10_000).getBytes(StandardCharsets.UTF_8);
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(30), "sh", "-c", "wc -c; tail -n 1"),
          ExecIo.NONE.withStdin(new ByteArrayInputStream(input)));
      assertThat(r.stdoutText()).startsWith(input.length + "\n");
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void outputStreamsWhileTheCommandRuns(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().build())) {
      List<Long> arrivals = new CopyOnWriteArrayList<>();
      long t0 = System.nanoTime();
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c",
              "import time\nfor i in range(3): print(i, flush=True); time.sleep(0.5)"),
          ExecIo.streaming(chunk -> arrivals.add(System.nanoTime() - t0), chunk -> {}));
      assertThat(r.stdoutText()).isEqualTo("0\n1\n2\n");
      assertThat(arrivals).hasSizeGreaterThanOrEqualTo(3);
      // the first line arrived at least ~1 s before the command ended
      assertThat(r.duration().toNanos() - arrivals.getFirst()).isGreaterThan(Duration.ofMillis(800).toNanos());
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void commandsRunConcurrentlyInOneSandbox(RuntimeKind k) throws Exception {
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().build())) {
      long t0 = System.nanoTime();
      List<Thread> threads = new ArrayList<>();
      List<ExecResult> results = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 4; i++) {
        threads.add(Thread.ofVirtual().start(() -> results.add(s.exec(ExecRequest.of(Duration.ofSeconds(30), "sleep", "1")))));
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(results).hasSize(4).allSatisfy(r -> assertThat(r.exitCode()).isZero());
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(3500));
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void statsReportMemoryAndProcesses(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k); Sandbox s = rt.create(SandboxSpec.builder().build())) {
      SandboxStats st = s.stats();
      assertThat(st.memoryBytes()).isPositive();
      assertThat(st.memoryLimitBytes()).isEqualTo(512L << 20);
      assertThat(st.pids()).isPositive();
      assertThat(st.oomKills()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void sandboxesOfAProcessThatWasKilledAreReapedAtTheNextStart(RuntimeKind k) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process owner = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), OrphanMaker.class.getName(), k.wireName(), TestHost.STATE_DIR.toString())
        .redirectErrorStream(true).start();
    String id;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
      id = out.readLine();
      assertThat(id).as("the orphan maker printed a sandbox id").startsWith("acgs-");
      assertThat(listed(k)).contains(id);
      owner.destroyForcibly(); // kill -9: no shutdown hook runs
      assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      owner.destroyForcibly();
    }
    assertThat(listed(k)).as("the crash left the container").contains(id);
    try (SandboxRuntime rt = SandboxRuntime.create(k, TestHost.CONFIG)) {
      assertThat(rt.reapOrphans()).isGreaterThanOrEqualTo(1);
    }
    TestHost.assertNothingLeft(k, Set.of(id));
  }
}
