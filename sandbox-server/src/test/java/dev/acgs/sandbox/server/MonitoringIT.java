package dev.acgs.sandbox.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.acgs.sandbox.core.model.ByteSize;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The monitoring deliverables as an operator would use them: the project's rules checked and unit
 * tested by promtool, the Alertmanager example checked by amtool, and end to end a real controller
 * scraped every second by a real Prometheus running the project's rules, which sends to a real
 * Alertmanager running the example configuration, whose webhook is a server inside this test.
 * Prometheus and Alertmanager are Debian's packages (installed by setup.sh and .ci/run).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringIT {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path RULES = REPO.resolve("deploy/prometheus/rules");
  static final ObjectMapper JSON = new ObjectMapper();
  final HttpClient http = HttpClient.newHttpClient();

  TestServer controller;
  HttpServer webhook;
  final List<JsonNode> notifications = new CopyOnWriteArrayList<>();
  final List<Process> processes = new ArrayList<>();
  Path dir;
  String prometheus;

  static String run(String... argv) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(argv).directory(REPO.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(argv[0] + " is not installed: install Debian's prometheus and prometheus-alertmanager"
          + " packages (sudo ./setup.sh does)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", argv) + ":\n" + out).isZero();
    return out;
  }

  @Test
  void promtoolChecksTheRulesAndRunsTheirUnitTests() throws Exception {
    assertThat(run("promtool", "check", "rules", "deploy/prometheus/rules/sandbox-recording.yml",
        "deploy/prometheus/rules/sandbox-alerts.yml")).contains("SUCCESS: 5 rules found", "SUCCESS: 7 rules found");
    assertThat(run("promtool", "test", "rules", "deploy/prometheus/tests/sandbox-alerts-test.yml")).contains("SUCCESS");
    assertThat(run("promtool", "check", "config", "deploy/prometheus/prometheus.yml")).contains("SUCCESS");
    assertThat(run("amtool", "check-config", "deploy/alertmanager/alertmanager.yml")).contains("SUCCESS");
  }

  @Test
  void everyAlertHasAUnitTestThatFiresAndOneThatDoesNotAndARunbook() throws Exception {
    String alerts = Files.readString(RULES.resolve("sandbox-alerts.yml"));
    String tests = Files.readString(REPO.resolve("deploy/prometheus/tests/sandbox-alerts-test.yml"));
    String runbooks = Files.readString(REPO.resolve("docs/runbooks.md"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("- alert: (\\w+)").matcher(alerts);
    List<String> names = new ArrayList<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    assertThat(names).contains("SandboxEscapeAttempt", "SyscallViolationRateHigh", "SandboxColdStartP95AboveSLO",
        "WarmPoolExhausted", "SandboxLeak", "MonitorDroppingEvents", "SandboxControllerDown");
    for (String n : names) {
      // a firing case names the alert in exp_labels-bearing blocks; a quiet case has exp_alerts: []
      assertThat(tests).as(n).containsPattern("alertname: " + n + "\\s+exp_alerts:\\s+- exp_labels");
      assertThat(tests).as(n).containsPattern("alertname: " + n + "\\s+exp_alerts: \\[\\]");
      assertThat(runbooks).as(n).contains("## " + n);
      assertThat(alerts).as(n).contains("runbook: docs/runbooks.md#" + n.toLowerCase(java.util.Locale.ROOT));
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  Process start(Path log, String... argv) throws IOException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  void awaitReady(String url, Path log) {
    Awaitility.await("ready: " + url).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
  }

  @BeforeAll
  void startTheStack() throws Exception {
    dir = Files.createTempDirectory("monitoring-it");
    controller = new TestServer(1, new ServerConfig.TenantQuota(20, ByteSize.ofMiB(20 * 512)));
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext("/", ex -> {
      try (ex) {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("path", ex.getRequestURI().getPath());
        notifications.add(body);
        ex.sendResponseHeaders(200, -1);
      }
    });
    webhook.start();

    int amPort = freePort();
    String amConfig = Files.readString(REPO.resolve("deploy/alertmanager/alertmanager.yml"))
        .replace("http://127.0.0.1:9095", "http://127.0.0.1:" + webhook.getAddress().getPort());
    Files.writeString(dir.resolve("alertmanager.yml"), amConfig);
    Files.createDirectories(dir.resolve("am-data"));
    start(dir.resolve("alertmanager.log"), "prometheus-alertmanager", "--config.file=" + dir.resolve("alertmanager.yml"),
        "--storage.path=" + dir.resolve("am-data"), "--web.listen-address=127.0.0.1:" + amPort, "--cluster.listen-address=");
    awaitReady("http://127.0.0.1:" + amPort + "/-/ready", dir.resolve("alertmanager.log"));

    int promPort = freePort();
    URI target = URI.create(controller.url());
    String promConfig = """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files:
          - %s
          - %s
        alerting:
          alertmanagers:
            - static_configs:
                - targets: ["127.0.0.1:%d"]
        scrape_configs:
          - job_name: sandbox-controller
            static_configs:
              - targets: ["%s:%d"]
        """.formatted(RULES.resolve("sandbox-recording.yml"), RULES.resolve("sandbox-alerts.yml"), amPort,
        target.getHost(), target.getPort());
    Files.writeString(dir.resolve("prometheus.yml"), promConfig);
    start(dir.resolve("prometheus.log"), "prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + dir.resolve("prom-data"), "--web.listen-address=127.0.0.1:" + promPort);
    prometheus = "http://127.0.0.1:" + promPort;
    awaitReady(prometheus + "/-/ready", dir.resolve("prometheus.log"));
  }

  @AfterAll
  void stopTheStack() throws Exception {
    try {
      for (Process p : processes) {
        p.destroy();
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      }
      if (webhook != null) {
        webhook.stop(0);
      }
    } finally {
      try {
        if (controller != null) {
          controller.close();
        }
      } finally {
        try (var files = Files.walk(dir)) {
          for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
    assertThat(processes).noneMatch(Process::isAlive);
  }

  JsonNode query(String promql) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prometheus + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode j = JSON.readTree(r.body());
    assertThat(j.path("status").asText()).as(promql + " -> " + r.body()).isEqualTo("success");
    return j.at("/data/result");
  }

  List<String> activeAlerts() throws Exception {
    JsonNode alerts = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(prometheus + "/api/v1/alerts")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).at("/data/alerts");
    List<String> out = new ArrayList<>();
    alerts.forEach(a -> out.add(a.at("/labels/alertname").asText() + "/" + a.path("state").asText()));
    return out;
  }

  @Test
  void anEscapeAttemptReachesTheWebhookThroughPrometheusAndAlertmanagerAndANormalRunDoesNot() throws Exception {
    var alice = controller.client(TestServer.ALICE);
    // a normal workload first: scraped, rules evaluated, no alert
    JsonNode ok = alice.run(Map.of("language", "python", "code", "import json, sqlite3; print(json.dumps([1]))"));
    assertThat(ok.get("stdout").asText()).isEqualTo("[1]\n");
    Awaitility.await("Prometheus has scraped the normal run").atMost(Duration.ofSeconds(30))
        .until(() -> query("sum(sandbox_exec_seconds_count)").path(0).at("/value/1").asDouble() >= 1);
    Thread.sleep(3000); // three more evaluations of every rule
    assertThat(activeAlerts()).noneMatch(a -> a.startsWith("SandboxEscapeAttempt"));
    assertThat(notifications).as("notifications after a normal run").isEmpty();

    long t0 = System.nanoTime();
    JsonNode r = alice.run(Map.of("language", "python", "code", "import ctypes\nctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0)"));
    assertThat(r.get("violations").toString()).contains("mount");
    Awaitility.await("SandboxEscapeAttempt at the webhook").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> notifications.stream().anyMatch(MonitoringIT::isEscapeAttempt));
    JsonNode n = notifications.stream().filter(MonitoringIT::isEscapeAttempt).findFirst().orElseThrow();
    System.out.printf("[monitoring] mount attempt to webhook notification: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertThat(n.get("path").asText()).isEqualTo("/alerts/security");
    JsonNode alert = n.at("/alerts/0");
    assertThat(alert.at("/labels/runtime").asText()).isEqualTo("gvisor");
    assertThat(alert.at("/labels/syscall").asText()).isEqualTo("mount");
    assertThat(alert.at("/labels/severity").asText()).isEqualTo("critical");
    assertThat(alert.at("/annotations/runbook").asText()).isEqualTo("docs/runbooks.md#sandboxescapeattempt");
  }

  static boolean isEscapeAttempt(JsonNode n) {
    return n.path("status").asText().equals("firing")
        && n.path("alerts").findValuesAsText("alertname").contains("SandboxEscapeAttempt");
  }

  @Test
  void everyDashboardQueryIsValidPromqlAgainstTheRealPrometheus() throws Exception {
    JsonNode dash = JSON.readTree(REPO.resolve("deploy/grafana/sandbox-security.json").toFile());
    assertThat(dash.at("/templating/list/0/type").asText()).isEqualTo("datasource");
    assertThat(dash.at("/templating/list/0/query").asText()).isEqualTo("prometheus");
    List<String> titles = new ArrayList<>();
    int queries = 0;
    for (JsonNode p : dash.get("panels")) {
      titles.add(p.path("title").asText());
      for (JsonNode t : p.path("targets")) {
        assertThat(t.at("/datasource/uid").asText()).isEqualTo("${datasource}");
        // Grafana's own variables stand for durations: give Prometheus one
        query(t.get("expr").asText().replace("$__rate_interval", "1m").replace("$__range", "1h"));
        queries++;
      }
    }
    assertThat(queries).isGreaterThan(10);
    assertThat(String.join("|", titles)).contains("Live sandboxes", "Cold start P50 / P95", "Syscall violations by syscall",
        "Terminations by reason", "Pool health", "API error rate", "Monitor suppression");
  }
}
