package dev.acgs.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The real sandboxctl jar, run as a user runs it, against the real runtimes. */
class SandboxctlIT {
  static final Path JAR = Path.of("target/sandboxctl.jar").toAbsolutePath();
  static final Path STATE = Path.of(System.getProperty("sandbox.stateDir", "/var/lib/sandboxctl"));

  record Run(int exitCode, String stdout, String stderr, Duration took) {}

  static Run sandboxctl(Map<String, String> env, String stdin, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().putAll(env);
    pb.environment().put("SANDBOXCTL_STATE_DIR", STATE.toString());
    long t0 = System.nanoTime();
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("sandboxctl " + String.join(" ", args) + " did not finish in 120 s");
    }
    return new Run(p.exitValue(), out.get(), err.get(), Duration.ofNanos(System.nanoTime() - t0));
  }

  static Run sandboxctl(String... args) throws Exception {
    return sandboxctl(Map.of(), "", args);
  }

  static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static List<String> bundles() throws IOException {
    Path dir = STATE.resolve("sandboxes");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static String containers() throws Exception {
    return new String(new ProcessBuilder("runsc", "list", "--quiet").start().getInputStream().readAllBytes())
        + new String(new ProcessBuilder("runc", "list", "--quiet").start().getInputStream().readAllBytes());
  }

  static List<String> bundlesBefore;

  @BeforeAll
  static void imageExists() throws Exception {
    Run r = sandboxctl("image", "build", "--if-missing");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    bundlesBefore = bundles();
  }

  @AfterAll
  static void nothingLeft() throws Exception {
    if (!java.nio.file.Files.isDirectory(STATE.resolve("sandboxes"))) {
      return;
    }
    assertThat(bundles()).isEqualTo(bundlesBefore);
    assertThat(containers()).doesNotContainPattern("acgs-[0-9a-f]{16}");
  }

  @ParameterizedTest
  @ValueSource(strings = {"gvisor", "runc"})
  void runPrints42AndExitsZero(String runtime) throws Exception {
    Run r = sandboxctl("run", "--runtime", runtime, "--", "python3", "-c", "print(6*7)");
    assertThat(r.stdout()).isEqualTo("42\n");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"gvisor", "runc"})
  void aFailingCommandsExitCodeIsPassedThrough(String runtime) throws Exception {
    Run r = sandboxctl("run", "--runtime", runtime, "--", "sh", "-c", "echo oops >&2; exit 7");
    assertThat(r.exitCode()).isEqualTo(7);
    assertThat(r.stderr()).isEqualTo("oops\n");
  }

  static Stream<Arguments> badInput() {
    return Stream.of(
        Arguments.of(Map.of(), List.of("run", "--runtime", "nope", "--", "true"), 2, "unknown runtime 'nope': choose one of gvisor, runc"),
        Arguments.of(Map.of(), List.of("run", "--image", "nope", "--", "true"), 125, "sandboxctl image build --name nope"),
        Arguments.of(Map.of(), List.of("run", "--memory", "lots", "--", "true"), 2, "--memory: 'lots' is not a size"),
        Arguments.of(Map.of(), List.of("run", "--timeout", "-5s", "--", "true"), 2, "--timeout: must be positive (got -5s)"),
        Arguments.of(Map.of(), List.of("run", "--memory", "64g", "--", "true"), 2, "limits.memory: asks for 64Gi; the maximum is 4Gi"),
        Arguments.of(Map.of(), List.of("run", "--network", "host", "--", "true"), 2, "only policy is 'none'"),
        Arguments.of(Map.of(), List.of("run", "--", "no-such-program"), 127, "cannot run 'no-such-program'"),
        Arguments.of(Map.of(), List.of("run", "--runtime", "runc", "--", "no-such-program"), 127, "No such file or directory"),
        Arguments.of(Map.of("SANDBOXCTL_RUNSC", "/nonexistent/runsc"), List.of("run", "--", "true"), 125,
            "runsc (gvisor) is not installed: install it with `apt-get install -y runsc`"),
        Arguments.of(Map.of(), List.of("exec", "acgs-0000000000000000", "--", "true"), 125, "no sandbox 'acgs-0000000000000000'"),
        Arguments.of(Map.of(), List.of("run"), 2, "Missing required parameter"));
  }

  @ParameterizedTest
  @MethodSource("badInput")
  void badInputGetsAClearErrorAndCreatesNothing(Map<String, String> env, List<String> args, int exit, String message) throws Exception {
    List<String> before = bundles();
    String containersBefore = containers();
    Run r = sandboxctl(env, "", args.toArray(String[]::new));
    assertThat(r.stderr()).contains(message);
    assertThat(r.exitCode()).isEqualTo(exit);
    assertThat(bundles()).isEqualTo(before);
    assertThat(containers()).isEqualTo(containersBefore);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gvisor", "runc"})
  void sleepForeverEndsAtTheTimeoutWithExit124(String runtime) throws Exception {
    Run r = sandboxctl("run", "--runtime", runtime, "--timeout", "2s", "--", "sleep", "1000");
    assertThat(r.exitCode()).isEqualTo(124);
    assertThat(r.stderr()).contains("timed out after 2s; the sandbox was killed");
    assertThat(r.took()).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void stdinReachesTheCommandWithDashI() throws Exception {
    Run r = sandboxctl(Map.of(), "line one\nline two\n", "run", "-i", "--", "wc", "-l");
    assertThat(r.stdout().strip()).isEqualTo("2");
  }

  @Test
  void jsonOutputCarriesExitCodeAndStreams() throws Exception {
    Run r = sandboxctl("run", "--json", "--runtime", "runc", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    JsonNode j = new ObjectMapper().readTree(r.stdout());
    assertThat(j.get("exitCode").asInt()).isEqualTo(3);
    assertThat(j.get("stdout").asText()).isEqualTo("out\n");
    assertThat(j.get("stderr").asText()).isEqualTo("err\n");
    assertThat(j.get("runtime").asText()).isEqualTo("runc");
    assertThat(r.exitCode()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gvisor", "runc"})
  void createExecPsAndRmManageALongLivedSandbox(String runtime) throws Exception {
    Run created = sandboxctl("create", "--runtime", runtime);
    assertThat(created.exitCode()).as(created.stderr()).isZero();
    String id = created.stdout().strip();
    try {
      assertThat(sandboxctl("exec", id, "--", "sh", "-c", "echo state > /tmp/f").exitCode()).isZero();
      Run read = sandboxctl("exec", id, "--", "cat", "/tmp/f");
      assertThat(read.stdout()).as("state survives between execs").isEqualTo("state\n");
      Run ps = sandboxctl("ps");
      assertThat(ps.stdout()).containsPattern(id + "\\s+" + runtime + "\\s+running");
    } finally {
      Run rm = sandboxctl("rm", id);
      assertThat(rm.exitCode()).as(rm.stderr()).isZero();
    }
    assertThat(sandboxctl("ps").stdout()).doesNotContain(id);
    assertThat(containers()).doesNotContain(id);
    Run gone = sandboxctl("exec", id, "--", "true");
    assertThat(gone.exitCode()).isEqualTo(125);
  }

  @Test
  void benchStartupWritesPercentilesAndRawSamples() throws Exception {
    Path json = Files.createTempFile("bench-startup", ".json");
    try {
      Run r = sandboxctl("bench", "startup", "--runtime", "runc", "-n", "3", "--warmup", "0", "--json", json.toString());
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      JsonNode j = new ObjectMapper().readTree(json.toFile());
      assertThat(j.at("/createToReady/p95Ms").asDouble()).isPositive();
      assertThat(j.at("/runToExit/p50Ms").asDouble()).isGreaterThanOrEqualTo(j.at("/createToReady/p50Ms").asDouble());
      assertThat(j.at("/createToReady/samplesMs")).hasSize(3);
      assertThat(j.at("/machine/cpus").asInt()).isPositive();
      assertThat(r.stdout()).contains("create-to-ready", "p95");
    } finally {
      Files.deleteIfExists(json);
    }
  }

  @Test
  void doctorChecksTheHostAndStartsASandboxOnEachRuntime() throws Exception {
    Run r = sandboxctl("doctor");
    assertThat(r.stdout()).contains("[ ok ] a gvisor sandbox runs python3", "[ ok ] a runc sandbox runs python3", "all checks passed");
    assertThat(r.exitCode()).isZero();
    Run broken = sandboxctl(Map.of("SANDBOXCTL_RUNC", "/nonexistent/runc"), "", "doctor", "--no-smoke");
    assertThat(broken.stdout()).contains("[FAIL] runc", "fix: apt-get install -y runc");
    assertThat(broken.exitCode()).isEqualTo(1);
  }

  @Test
  void imageLsShowsTheDefaultImage() throws Exception {
    Run r = sandboxctl("image", "ls");
    assertThat(r.stdout()).containsPattern("default\\s+sha256:[0-9a-f]{12}");
  }

  @Test
  void profileRecordWritesAnAllowlistTheWorkloadRunsUnderAndSomethingNewIsDeniedAndReported(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path profile = dir.resolve("task.json");
    Run rec = sandboxctl("profile", "record", "-o", profile.toString(), "--", "python3", "-c",
        "import json; print(json.dumps({'a': [1, 2]}))");
    assertThat(rec.exitCode()).as(rec.stderr()).isZero();
    assertThat(rec.stdout()).contains("{\"a\": [1, 2]}");
    assertThat(rec.stderr()).contains("checking: the same command under the recorded profile on gvisor",
        "on runc", "ok: the command runs under");
    JsonNode p = new ObjectMapper().readTree(profile.toFile());
    assertThat(p.at("/defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    List<String> allowed = new java.util.ArrayList<>();
    p.at("/syscalls/0/names").forEach(n -> allowed.add(n.asText()));
    assertThat(allowed).contains("execve", "openat", "read", "write").doesNotContain("mkdir", "mount", "ptrace");
    assertThat(allowed.size()).as("a minimal allowlist").isLessThan(100);

    Run same = sandboxctl("run", "--profile", profile.toString(), "--", "python3", "-c", "import json; print(json.dumps([3]))");
    assertThat(same.exitCode()).as(same.stderr()).isZero();
    for (String runtime : List.of("gvisor", "runc")) {
      Run novel = sandboxctl("run", "--runtime", runtime, "--profile", profile.toString(), "--", "python3", "-c",
          "import os; os.mkdir('/tmp/new')");
      assertThat(novel.exitCode()).isEqualTo(1);
      assertThat(novel.stderr()).contains("PermissionError");
      if (runtime.equals("gvisor")) {
        // runc reports only the profile's explicit deny rules, not its default action (README, known limits)
        assertThat(novel.stderr()).contains("violation: mkdir (83) denied");
      }
    }
    nothingLeft();
  }

  @Test
  void profileSweepReportsBlockedAndAllowedCountsAsJson(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path json = dir.resolve("sweep.json");
    Path md = dir.resolve("sweep.md");
    Run r = sandboxctl("profile", "sweep", "--runtime", "runc", "--profile", "enhanced", "--json", json.toString(),
        "--report", md.toString());
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout()).containsPattern("runc\\s+enhanced\\s+468\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+0");
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    assertThat(j.get(0).get("rows")).hasSize(468);
    assertThat(Files.readString(md)).contains("| runc | enhanced | 468 |");
    nothingLeft();
  }
}
