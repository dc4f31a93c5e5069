package dev.acgs.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acgs.sandbox.client.SandboxClient;
import dev.acgs.sandbox.server.api.TokenStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `sandboxctl serve` as an operator runs it: a separate process, stopped gracefully or killed with -9. */
class ServeIT {
  static final String TOKEN = "serve-it-token";
  @TempDir Path dir;
  Path tokens;
  Path db;
  final List<Process> servers = new ArrayList<>();

  @BeforeEach
  void tokens() throws IOException {
    tokens = dir.resolve("tokens");
    Files.writeString(tokens, "ops " + TokenStore.sha256Hex(TOKEN) + "\n");
    db = dir.resolve("controller.db");
  }

  @AfterEach
  void stopServers() throws Exception {
    for (Process p : servers) {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
    // a final controller run reconciles whatever a killed one left, then stops gracefully
    Process last = serve(0);
    stopGracefully(last);
    assertThat(SandboxctlIT.containers()).doesNotContainPattern("acgs-[0-9a-f]{16}");
  }

  record Served(Process process, String url) {}

  Process serve(int poolMin) throws Exception {
    return start(poolMin).process();
  }

  Served start(int poolMin) throws Exception {
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-jar", SandboxctlIT.JAR.toString(), "serve", "--listen", "127.0.0.1:0",
        "--state-dir", SandboxctlIT.STATE.toString(), "--tokens", tokens.toString(), "--database", db.toString(),
        "--pool-min", Integer.toString(poolMin), "--max-live", "100"));
    Process p = new ProcessBuilder(argv).redirectError(dir.resolve("serve-" + servers.size() + ".err").toFile()).start();
    servers.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("serve's first line; stderr in %s", dir).contains("listening on http://");
    Matcher m = Pattern.compile("listening on (http://\\S+)").matcher(line);
    assertThat(m.find()).isTrue();
    return new Served(p, m.group(1));
  }

  void stopGracefully(Process p) throws Exception {
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("serve stops within 2 minutes of SIGTERM").isTrue();
  }

  @Test
  void aRemoteRunGoesThroughTheControllerAndAGracefulStopLeavesNothing() throws Exception {
    Served s = start(1);
    SandboxctlIT.Run r = SandboxctlIT.sandboxctl(Map.of("SANDBOXCTL_TOKEN", TOKEN), "",
        "--server", s.url(), "run", "--", "python3", "-c", "print(6*7)");
    assertThat(r.stdout()).isEqualTo("42\n");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    SandboxctlIT.Run bad = SandboxctlIT.sandboxctl(Map.of("SANDBOXCTL_TOKEN", "wrong"), "",
        "--server", s.url(), "run", "--", "true");
    assertThat(bad.stderr()).contains("401 unauthorized");
    stopGracefully(s.process());
    assertThat(s.process().exitValue()).as("graceful stop; 143 = 128 + SIGTERM, as every JVM reports it").isIn(0, 143);
    assertThat(Files.readString(dir.resolve("serve-0.err"))).contains("shutting down");
    assertThat(SandboxctlIT.containers()).doesNotContainPattern("acgs-[0-9a-f]{16}");
    SandboxctlIT.Run verify = SandboxctlIT.sandboxctl("audit", "verify", "--database", db.toString());
    assertThat(verify.exitCode()).as(verify.stdout()).isZero();
  }

  @Test
  void killMinus9DuringFiftyOperationsLosesNoAcknowledgedEventAndLeavesNoOrphan() throws Exception {
    Served s = start(0);
    SandboxClient client = new SandboxClient(URI.create(s.url() + "/"), TOKEN);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 50; i++) {
        pool.submit(() -> {
          try {
            String id = client.createSandbox(Map.of("runtime", "runc")).get("id").asText();
            acknowledged.add(id);
            client.exec(id, Map.of("argv", List.of("sleep", "1")));
            client.deleteSandbox(id);
          } catch (RuntimeException expectedOnceKilled) {
            // the server died under this operation
          }
          return null;
        });
      }
      Thread.sleep(4000);
      s.process().destroyForcibly(); // kill -9
      assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acknowledged).as("some operations were acknowledged before the kill").isNotEmpty();

    Served again = start(0); // restart: reconciles the crashed run
    SandboxctlIT.Run verify = SandboxctlIT.sandboxctl("audit", "verify", "--database", db.toString());
    assertThat(verify.exitCode()).as(verify.stdout()).isZero();
    Set<String> logged = ConcurrentHashMap.newKeySet();
    SandboxClient client2 = new SandboxClient(URI.create(again.url() + "/"), TOKEN);
    long since = 0;
    while (true) {
      JsonNode page = client2.events(since, "sandbox.created");
      if (page.get("events").isEmpty()) {
        break;
      }
      page.get("events").forEach(e -> logged.add(e.get("sandboxId").asText()));
      since = page.get("next").asLong();
    }
    assertThat(logged).containsAll(acknowledged);
    for (String id : acknowledged) {
      assertThat(SandboxctlIT.containers()).as("orphan %s after restart", id).doesNotContain(id);
      String state = client2.getSandbox(id).get("state").asText();
      assertThat(state).isIn("deleted", "lost");
    }
    stopGracefully(again.process());
  }

  @Test
  void changingOneAuditRowMakesVerifyFailNamingThatEvent() throws Exception {
    Served s = start(0);
    SandboxClient client = new SandboxClient(URI.create(s.url() + "/"), TOKEN);
    client.run(Map.of("runtime", "runc", "argv", List.of("true")));
    stopGracefully(s.process());
    assertThat(SandboxctlIT.sandboxctl("audit", "verify", "--database", db.toString()).exitCode()).isZero();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE events SET tenant = 'mallory' WHERE seq = 3");
    }
    SandboxctlIT.Run broken = SandboxctlIT.sandboxctl("audit", "verify", "--database", db.toString());
    assertThat(broken.exitCode()).isEqualTo(1);
    assertThat(broken.stdout()).contains("BROKEN at event 3");
  }
}
