package dev.acgs.sandbox.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acgs.sandbox.client.SandboxClient;
import dev.acgs.sandbox.client.SandboxClient.ApiError;
import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.server.store.AuditLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The controller over real HTTP, with real gVisor sandboxes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControllerIT {
  TestServer server;
  SandboxClient alice;
  SandboxClient bob;

  @BeforeAll
  void start() {
    server = new TestServer(10, new ServerConfig.TenantQuota(200, ByteSize.ofMiB(200 * 512)));
    alice = server.client(TestServer.ALICE);
    bob = server.client(TestServer.BOB);
  }

  @AfterAll
  void stop() throws Exception {
    java.nio.file.Path db = server.dir.resolve("controller.db");
    server.server.close();
    AuditLog.Verification v = AuditLog.verify(db);
    assertThat(v.firstBad()).isEmpty();
    assertThat(v.events()).isPositive();
    server.close();
    String left = new String(new ProcessBuilder("runsc", "list", "--quiet").start().getInputStream().readAllBytes());
    assertThat(left).as("gVisor containers left after shutdown").doesNotContainPattern("acgs-");
  }

  @Test
  void theOpenApiDocumentDescribesEveryRouteAndIsTheOneInTheRepository() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> doc = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/openapi.json"))
        .header("Authorization", "Bearer " + TestServer.ALICE).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(doc.statusCode()).isEqualTo(200);
    java.nio.file.Path repoCopy = java.nio.file.Path.of("../docs/openapi.json");
    assertThat(doc.body()).isEqualTo(java.nio.file.Files.readString(repoCopy));
    JsonNode paths = new com.fasterxml.jackson.databind.ObjectMapper().readTree(doc.body()).get("paths");
    Set<String> documented = new HashSet<>();
    paths.properties().forEach(p -> p.getValue().properties().forEach(m -> {
      if (!m.getKey().equals("parameters")) {
        documented.add(m.getKey().toUpperCase(java.util.Locale.ROOT) + " " + p.getKey());
      }
    }));
    assertThat(server.server.routes()).isNotEmpty();
    assertThat(documented).containsExactlyInAnyOrderElementsOf(server.server.routes());
  }

  @Test
  void aSandboxGoesThroughItsWholeLifecycleOverHttp() {
    JsonNode created = alice.createSandbox(Map.of("labels", Map.of("task", "lifecycle"), "env", Map.of("GREETING", "hi")));
    String id = created.get("id").asText();
    assertThat(created.get("state").asText()).isEqualTo("running");
    assertThat(created.at("/timings/readyMs").asDouble()).isPositive();
    assertThat(alice.getSandbox(id).get("id").asText()).isEqualTo(id);
    assertThat(alice.listSandboxes("task=lifecycle")).extracting(n -> n.get("id").asText()).containsExactly(id);
    assertThat(alice.listSandboxes("task=other")).isEmpty();

    JsonNode r = alice.exec(id, Map.of("argv", List.of("sh", "-c", "echo $GREETING; echo oops >&2; exit 3")));
    assertThat(r.get("exitCode").asInt()).isEqualTo(3);
    assertThat(r.get("stdout").asText()).isEqualTo("hi\n");
    assertThat(r.get("stderr").asText()).isEqualTo("oops\n");
    assertThat(r.get("violations")).isEmpty();

    alice.putFile(id, "/tmp/data.txt", "some data".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(alice.getFile(id, "/tmp/data.txt"), StandardCharsets.UTF_8)).isEqualTo("some data");
    assertThat(alice.exec(id, Map.of("code", "print(open('/tmp/data.txt').read().upper())", "language", "python"))
        .get("stdout").asText()).isEqualTo("SOME DATA\n");

    alice.deleteSandbox(id);
    assertThat(alice.getSandbox(id).get("state").asText()).isEqualTo("deleted");
    assertThat(alice.listSandboxes()).noneMatch(n -> n.get("id").asText().equals(id));
    assertThatThrownBy(() -> alice.exec(id, Map.of("argv", List.of("true")))).isInstanceOf(ApiError.class)
        .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(404));
    JsonNode events = alice.events(0, null).get("events");
    assertThat(events).anyMatch(e -> e.get("type").asText().equals("sandbox.created") && e.get("sandboxId").asText().equals(id));
    assertThat(events).anyMatch(e -> e.get("type").asText().equals("sandbox.deleted") && e.get("sandboxId").asText().equals(id));
  }

  @Test
  void streamingExecDeliversTheFirstLineBeforeTheCommandEnds() {
    String id = alice.createSandbox(Map.of()).get("id").asText();
    try {
      List<Long> arrivals = new CopyOnWriteArrayList<>();
      long t0 = System.nanoTime();
      JsonNode result = alice.execStream(id, Map.of("language", "python",
          "code", "import time\nfor i in range(5): print(i, flush=True); time.sleep(0.3)"),
          (stream, text) -> arrivals.add(System.nanoTime() - t0));
      long end = System.nanoTime() - t0;
      assertThat(result.get("stdout").asText()).isEqualTo("0\n1\n2\n3\n4\n");
      assertThat(arrivals).isNotEmpty();
      assertThat(Duration.ofNanos(end - arrivals.getFirst())).isGreaterThan(Duration.ofMillis(900));
    } finally {
      alice.deleteSandbox(id);
    }
  }

  @Test
  void aTenantCannotSeeOrTouchAnotherTenantsSandbox() throws Exception {
    String id = alice.createSandbox(Map.of()).get("id").asText();
    try {
      assertThat(bob.listSandboxes()).noneMatch(n -> n.get("id").asText().equals(id));
      for (Runnable attempt : List.<Runnable>of(
          () -> bob.getSandbox(id),
          () -> bob.exec(id, Map.of("argv", List.of("true"))),
          () -> bob.getFile(id, "/tmp/x"),
          () -> bob.deleteSandbox(id))) {
        assertThatThrownBy(attempt::run).isInstanceOf(ApiError.class)
            .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(404));
      }
      assertThat(bob.events(0, null).get("events")).noneMatch(e -> e.path("sandboxId").asText().equals(id));
      // no token, or a wrong one: 401 and nothing else
      HttpClient http = HttpClient.newHttpClient();
      for (String auth : new String[] {null, "Bearer wrong", "Basic " + TestServer.ALICE, "Bearer "}) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/v1/sandboxes/" + id));
        if (auth != null) {
          b.header("Authorization", auth);
        }
        HttpResponse<String> resp = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(401);
        assertThat(resp.body()).doesNotContain(id).doesNotContain("alice");
      }
      assertThat(alice.getSandbox(id).get("state").asText()).isEqualTo("running");
    } finally {
      alice.deleteSandbox(id);
    }
  }

  @Test
  void badInputGets4xxNamingTheFieldWhileANormalExecCarriesOn() throws Exception {
    String id = alice.createSandbox(Map.of()).get("id").asText();
    try {
      Future<JsonNode> normal = Executors.newVirtualThreadPerTaskExecutor().submit(() ->
          alice.exec(id, Map.of("language", "python", "code", "import time; time.sleep(2); print('still fine')")));
      record Bad(String method, String path, byte[] body, int status, String field) {}
      byte[] huge = new byte[100 * 1024 * 1024];
      List<Bad> bad = List.of(
          new Bad("POST", "/v1/run", "{not json".getBytes(), 400, "body"),
          new Bad("POST", "/v1/run", "{\"code\":\"1\",\"bogus\":true}".getBytes(), 400, "bogus"),
          new Bad("POST", "/v1/sandboxes", "{\"limits\":{\"pids\":\"many\"}}".getBytes(), 400, "limits.pids"),
          new Bad("POST", "/v1/sandboxes", "{\"labels\":[1,2]}".getBytes(), 400, "labels"),
          new Bad("POST", "/v1/run", huge, 413, "body"),
          new Bad("GET", "/v1/sandboxes/" + id + "/files?path=/tmp/../etc/passwd", null, 400, "path"),
          new Bad("GET", "/v1/sandboxes/" + id + "/files?path=/etc/passwd", null, 400, "path"),
          new Bad("POST", "/v1/sandboxes", "{\"limits\":{\"memory\":\"64g\"}}".getBytes(), 400, "limits.memory"),
          new Bad("POST", "/v1/sandboxes", "{\"template\":\"nope\"}".getBytes(), 400, "template"),
          new Bad("POST", "/v1/run", "{\"language\":\"cobol\",\"code\":\"x\"}".getBytes(), 400, "language"),
          new Bad("POST", "/v1/sandboxes/" + id + "/exec", "{\"argv\":[]}".getBytes(), 400, "argv"),
          new Bad("POST", "/v1/sandboxes/" + id + "/exec", "{\"argv\":[\"true\"],\"timeout\":\"2h\"}".getBytes(), 400, "timeout"));
      HttpClient http = HttpClient.newHttpClient();
      for (int round = 0; round < 3; round++) {
        for (Bad b : bad) {
          HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(server.url() + b.path()))
              .header("Authorization", "Bearer " + TestServer.ALICE).header("Content-Type", "application/json");
          rb.method(b.method(), b.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(b.body()));
          // a client sending 100 MB asks first (Expect: 100-continue): the server refuses it from its
          // Content-Length without reading it; without asking, the refusal races with the upload
          rb.expectContinue(b.body() != null && b.body().length > 1024 * 1024);
          HttpResponse<String> resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
          assertThat(resp.statusCode()).as("%s %s -> %s", b.method(), b.path(), resp.body()).isEqualTo(b.status());
          JsonNode err = new com.fasterxml.jackson.databind.ObjectMapper().readTree(resp.body());
          assertThat(err.get("field").asText()).as(resp.body()).isEqualTo(b.field());
          assertThat(err.get("code").asText()).isNotBlank();
          assertThat(err.get("message").asText()).isNotBlank();
        }
      }
      assertThat(normal.get().get("stdout").asText()).isEqualTo("still fine\n");
    } finally {
      alice.deleteSandbox(id);
    }
  }

  @Test
  void warmPoolClaimsNeverShareASandbox() throws Exception {
    org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(2)).until(() ->
        alice.pools().get(0).get("ready").asInt() == 10);
    long claimedBefore = alice.pools().get(0).get("claimed").asLong();
    List<String> ids = new CopyOnWriteArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> claims = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        claims.add(pool.submit(() -> {
          String id = bob.createSandbox(Map.of("template", "python")).get("id").asText();
          ids.add(id);
          bob.exec(id, Map.of("argv", List.of("sh", "-c", "echo " + n + " > /tmp/owner")));
          return null;
        }));
      }
      for (Future<?> f : claims) {
        f.get();
      }
    }
    try {
      assertThat(new HashSet<>(ids)).hasSize(50);
      Set<String> owners = new HashSet<>();
      for (String id : ids) {
        owners.add(bob.exec(id, Map.of("argv", List.of("cat", "/tmp/owner"))).get("stdout").asText().strip());
      }
      assertThat(owners).as("each sandbox holds only the marker of its own claimer").hasSize(50);
      // the pool of 10 served 10 or more of the 50 (it refills while they are claimed); the rest were created fresh
      assertThat(alice.pools().get(0).get("claimed").asLong() - claimedBefore).isBetween(10L, 50L);
    } finally {
      ids.forEach(bob::deleteSandbox);
    }
  }

  @Test
  void ttlAndIdleTimeoutAreEnforcedByTheReaper() {
    String shortLived = alice.createSandbox(Map.of("runtime", "runc", "ttl", "2s")).get("id").asText();
    String idle = alice.createSandbox(Map.of("runtime", "runc", "idleTimeout", "1s")).get("id").asText();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(alice.getSandbox(shortLived).get("state").asText()).isEqualTo("expired");
      assertThat(alice.getSandbox(shortLived).get("reason").asText()).isEqualTo("ttl");
      assertThat(alice.getSandbox(idle).get("reason").asText()).isEqualTo("idle");
    });
    assertThatThrownBy(() -> alice.createSandbox(Map.of("ttl", "48h"))).isInstanceOf(ApiError.class)
        .hasMessageContaining("the maximum is 30m");
  }

  @Test
  void aTenantsQuotaIsA429NamingTheQuota() {
    try (TestServer small = new TestServer(0, new ServerConfig.TenantQuota(2, ByteSize.ofMiB(4096)))) {
      SandboxClient c = small.client(TestServer.ALICE);
      List<String> ids = new ArrayList<>();
      try {
        ids.add(c.createSandbox(Map.of("runtime", "runc")).get("id").asText());
        ids.add(c.createSandbox(Map.of("runtime", "runc")).get("id").asText());
        assertThatThrownBy(() -> c.createSandbox(Map.of("runtime", "runc"))).isInstanceOf(ApiError.class)
            .satisfies(e -> {
              assertThat(((ApiError) e).status()).isEqualTo(429);
              assertThat(((ApiError) e).field()).isEqualTo("quota.maxLiveSandboxes");
              assertThat(e.getMessage()).contains("the quota is 2");
            });
        // bob's quota is his own
        String bobs = small.client(TestServer.BOB).createSandbox(Map.of("runtime", "runc")).get("id").asText();
        small.client(TestServer.BOB).deleteSandbox(bobs);
      } finally {
        ids.forEach(c::deleteSandbox);
      }
    }
  }

  @Test
  void aViolationIsInTheRunResponseAndTheEventsApiAndTerminateEndsTheSandbox() {
    JsonNode r = alice.run(Map.of("runtime", "gvisor", "seccompProfile", "enhanced", "language", "python",
        "code", "import ctypes, time\nctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0)\ntime.sleep(20)\nprint('survived')"));
    assertThat(r.get("termination").asText()).isEqualTo("policy_violation");
    assertThat(r.get("stdout").asText()).doesNotContain("survived");
    String id = r.get("sandboxId").asText();
    assertThat(r.get("violations")).anySatisfy(v -> {
      assertThat(v.get("syscall").asText()).isEqualTo("mount");
      assertThat(v.get("sandboxId").asText()).isEqualTo(id);
      assertThat(v.get("severity").asText()).isEqualTo("critical");
    });
    JsonNode events = alice.events(0, "violation").get("events");
    assertThat(events).anySatisfy(e -> {
      assertThat(e.get("sandboxId").asText()).isEqualTo(id);
      assertThat(e.at("/data/syscall").asText()).isEqualTo("mount");
      assertThat(e.at("/data/action").asText()).isEqualTo("denied");
    });
    assertThat(bob.events(0, "violation").get("events")).noneMatch(e -> e.get("sandboxId").asText().equals(id));
  }

  @Test
  void aHundredConcurrentRunsAllAnswerCorrectlyAndLeaveNothing() throws Exception {
    List<Future<JsonNode>> runs = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 100; i++) {
        int n = i;
        runs.add(pool.submit(() -> alice.run(Map.of("language", "python", "code", "print(" + n + " * 7)"))));
      }
      for (int i = 0; i < 100; i++) {
        JsonNode r = runs.get(i).get();
        assertThat(r.get("stdout").asText()).as("run %d: %s", i, r).isEqualTo((i * 7) + "\n");
        assertThat(r.get("exitCode").asInt()).isZero();
      }
    }
    assertThat(alice.listSandboxes()).isEmpty();
    org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(2)).untilAsserted(() ->
        assertThat(server.server.service().pendingDestroys()).isZero());
  }

  static String scrape(String url, String accept) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/metrics"))
        .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("Content-Type").orElse("") + "\n" + r.body();
  }

  /** The value of the sample line that starts with {@code series} (labels in exposition order), or 0. */
  static double sample(String text, String name, String... labelPairs) {
    return text.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> java.util.Arrays.stream(labelPairs).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void metricsMatchTheirCatalogueAndCountViolationsRequestsAndStarts() throws Exception {
    // a request first: the request counter has a series only once one was answered (whatever ran before)
    scrape(server.url(), "text/plain");
    String before = scrape(server.url(), "text/plain");
    assertThat(before).startsWith("text/plain; version=0.0.4");
    // the catalogue in docs/metrics.md and the live output name the same sandbox_* metrics
    Set<String> documented = new HashSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\| `(sandbox_[a-z_]+)` \\|")
        .matcher(java.nio.file.Files.readString(java.nio.file.Path.of("../docs/metrics.md")));
    while (m.find()) {
      documented.add(m.group(1));
    }
    Set<String> exported = new HashSet<>();
    before.lines().filter(l -> l.startsWith("# TYPE sandbox_")).forEach(l -> {
      String[] f = l.split(" ");
      exported.add(f[2]);
    });
    assertThat(exported).containsExactlyInAnyOrderElementsOf(documented);
    assertThat(before).contains("# TYPE jvm_memory_used_bytes gauge");
    // catalogue series exist at 0 before any violation, so that increase() sees the first one
    assertThat(before).containsPattern("sandbox_syscall_violations_total\\{action=\"terminate\",category=\"mount\","
        + "runtime=\"gvisor\",severity=\"critical\",syscall=\"mount\"} ");
    assertThat(before).doesNotContain("acgs-").doesNotContain("alice").doesNotContain("bob");

    double mounts = sample(before, "sandbox_syscall_violations_total", "syscall=\"mount\"", "runtime=\"gvisor\"",
        "action=\"terminate\"");
    double policyKills = sample(before, "sandbox_terminations_total", "reason=\"policy-violation\"");
    double runs = sample(before, "sandbox_api_requests_total", "route=\"/v1/run\"", "status=\"200\"");
    double notFound = sample(before, "sandbox_api_requests_total", "route=\"/v1/sandboxes/{id}\"", "status=\"404\"");
    double execs = sample(before, "sandbox_exec_seconds_count", "runtime=\"gvisor\"");
    JsonNode r = alice.run(Map.of("language", "python", "code", "import ctypes, time\nctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0)\ntime.sleep(20)"));
    assertThat(r.get("termination").asText()).isEqualTo("policy_violation");
    assertThatThrownBy(() -> alice.getSandbox("acgs-0000000000000000")).hasMessageContaining("404");

    String after = scrape(server.url(), "application/openmetrics-text; version=1.0.0");
    assertThat(after).startsWith("application/openmetrics-text").contains("# EOF");
    assertThat(sample(after, "sandbox_syscall_violations_total", "syscall=\"mount\"", "runtime=\"gvisor\"",
        "action=\"terminate\"")).isEqualTo(mounts + 1);
    assertThat(sample(after, "sandbox_terminations_total", "reason=\"policy-violation\"")).isEqualTo(policyKills + 1);
    assertThat(sample(after, "sandbox_api_requests_total", "route=\"/v1/run\"", "status=\"200\"")).isEqualTo(runs + 1);
    assertThat(sample(after, "sandbox_api_requests_total", "route=\"/v1/sandboxes/{id}\"", "status=\"404\""))
        .isEqualTo(notFound + 1);
    assertThat(sample(after, "sandbox_exec_seconds_count", "runtime=\"gvisor\"")).isEqualTo(execs + 1);
    assertThat(sample(after, "sandbox_pool_target", "template=\"python\"")).isEqualTo(10);
    assertThat(sample(after, "sandbox_claim_seconds_count", "template=\"python\"")).isPositive();
    assertThat(sample(after, "sandbox_audit_write_seconds_count")).isPositive();
  }
}
