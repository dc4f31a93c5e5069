package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.core.model.SandboxSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What sandboxed code can see and do, checked from inside one sandbox per runtime. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IsolationIT {
  static final ByteSize TMP = ByteSize.ofMiB(8);
  final Map<RuntimeKind, TestHost.Tracked> runtimes = new EnumMap<>(RuntimeKind.class);
  final Map<RuntimeKind, Sandbox> sandboxes = new EnumMap<>(RuntimeKind.class);

  @BeforeAll
  void start() {
    for (RuntimeKind k : RuntimeKind.local()) {
      TestHost.Tracked rt = TestHost.runtime(k);
      runtimes.put(k, rt);
      // LOG, not the default TERMINATE: these tests attempt critical calls and then go on using the sandbox
      sandboxes.put(k, rt.create(SandboxSpec.builder().limits(ResourceLimits.DEFAULT.withTmpSize(TMP))
          .violationPolicy(dev.acgs.sandbox.core.monitor.ViolationPolicy.LOG).build()));
    }
  }

  @AfterAll
  void stop() {
    sandboxes.values().forEach(Sandbox::close);
    runtimes.values().forEach(TestHost.Tracked::close);
  }

  ExecResult sh(RuntimeKind k, String script) {
    return sandboxes.get(k).exec(ExecRequest.of(Duration.ofSeconds(30), "sh", "-c", script));
  }

  ExecResult python(RuntimeKind k, String code) {
    return sandboxes.get(k).exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c", code));
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void codeRunsAsUid1000WithNoCapabilitiesAndNoNewPrivileges(RuntimeKind k) {
    ExecResult r = sh(k, "id -u; id -g; grep -E '^(CapInh|CapPrm|CapEff|CapBnd):' /proc/self/status;"
        + " python3 -c 'import ctypes; print(\"no_new_privs\", ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))'");
    assertThat(r.exitCode()).as(r.stderrText()).isZero();
    assertThat(r.stdoutText()).startsWith("1000\n1000\n")
        .contains("CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapBnd:\t0000000000000000",
            "CapInh:\t0000000000000000", "no_new_privs 1");
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void theRootFilesystemIsNotWritable(RuntimeKind k) {
    ExecResult r = sh(k, "touch /usr/bin/planted 2>&1; echo rc=$?; touch /etc/x 2>&1; echo rc=$?;"
        + " awk '$2 == \"/\" { print \"root mount\", $4 }' /proc/self/mounts");
    assertThat(r.stdoutText()).contains("rc=1").doesNotContain("rc=0");
    assertThat(r.stdoutText()).containsPattern("root mount ro(,|\n)");
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void tmpIsWritableUpToItsLimitAndNothingInItCanBeExecuted(RuntimeKind k) {
    ExecResult r = sh(k, "dd if=/dev/zero of=/tmp/fill bs=1M count=32 2>&1 | tail -1; busybox stat -c %s /tmp/fill;"
        + " rm /tmp/fill; cp /bin/true /tmp/t && chmod +x /tmp/t; /tmp/t; echo exec=$?");
    String[] lines = r.stdoutText().strip().split("\n");
    long written = Long.parseLong(lines[1].strip());
    assertThat(written).isPositive().isLessThanOrEqualTo(TMP.bytes());
    assertThat(written).isGreaterThan(TMP.bytes() / 2);
    assertThat(r.stdoutText()).contains("exec=126");
    assertThat(r.stderrText()).contains("Permission denied");
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void theOnlyNetworkInterfaceIsLoopback(RuntimeKind k) {
    ExecResult r = sh(k, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    assertThat(r.stdoutText().strip()).isEqualTo("lo");
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aListenerOnTheHostsLoopbackCannotBeReached(RuntimeKind k) throws IOException {
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            accepted.incrementAndGet();
            s.close();
          } catch (IOException e) {
            return;
          }
        }
      });
      ExecResult r = python(k, "import socket\ns=socket.socket()\ns.settimeout(3)\ntry:\n"
          + "  s.connect(('127.0.0.1'," + server.getLocalPort() + "))\n  print('CONNECTED')\n"
          + "except OSError as e:\n  print('refused', e)\n");
      assertThat(r.stdoutText()).startsWith("refused").doesNotContain("CONNECTED");
    }
    assertThat(accepted).hasValue(0);
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aFileInTheHostsRootHomeIsNotVisible(RuntimeKind k) throws IOException {
    String name = "acgs-marker-" + UUID.randomUUID();
    Path marker = Path.of("/root", name);
    Files.writeString(marker, "host secret");
    try {
      ExecResult r = sh(k, "for p in /root/" + name + " /proc/1/root/root/" + name + "; do"
          + " test -e $p && echo VISIBLE $p; cat $p 2>/dev/null; done; echo done");
      assertThat(r.stdoutText()).isEqualTo("done\n");
    } finally {
      Files.delete(marker);
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void theHostsEnvironmentIsNotVisible(RuntimeKind k) {
    ExecResult r = python(k, "import os; print(' '.join(sorted(os.environ)))");
    assertThat(r.stdoutText().strip()).isEqualTo("HOME LANG PATH PYTHONDONTWRITEBYTECODE");
    assertThat(System.getenv()).containsKey("PATH"); // the host does have an environment to leak
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void onlyNullZeroFullRandomUrandomAndTtyDevicesExist(RuntimeKind k) {
    ExecResult r = python(k, "import os,stat\nfor root,dirs,files in os.walk('/dev'):\n for f in files:\n"
        + "  p=os.path.join(root,f)\n  m=os.lstat(p).st_mode\n  if stat.S_ISCHR(m) or stat.S_ISBLK(m): print(p)\n");
    Set<String> devices = Set.of(r.stdoutText().strip().split("\n"));
    Set<String> allowed = Set.of("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty");
    if (k == RuntimeKind.RUNC) {
      assertThat(devices).isEqualTo(allowed);
    } else {
      // The Sentry adds its own emulated /dev/fuse, /dev/net/tun and devpts; no host device is passed in.
      assertThat(devices).containsAll(allowed);
      assertThat(devices).isSubsetOf(union(allowed, Set.of("/dev/fuse", "/dev/net/tun", "/dev/pts/ptmx")));
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void dangerousSystemCallsFailWithEperm(RuntimeKind k) throws IOException {
    ExecResult r = python(k, TestHost.probe("dangerous_syscalls.py"));
    assertThat(r.exitCode()).as(r.stderrText()).isZero();
    // the default profile, enhanced, denies each in the filter, socket(AF_PACKET) included, and each is seen
    assertThat(r.violations()).extracting(v -> v.syscall())
        .contains("mount", "unshare", "ptrace", "bpf", "keyctl", "perf_event_open", "init_module", "socket");
    JsonNode results = new ObjectMapper().readTree(r.stdout());
    assertThat(results.size()).isEqualTo(8);
    results.properties().forEach(e -> {
      assertThat(e.getValue().get(0).asLong()).as("%s return value", e.getKey()).isEqualTo(-1);
      assertThat(e.getValue().get(1).asText()).as("%s errno", e.getKey()).isEqualTo("EPERM");
    });
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void threadsSubprocessesAndPipesStillWork(RuntimeKind k) {
    ExecResult r = python(k, "import threading, subprocess, json, sqlite3\n"
        + "out=[]\nts=[threading.Thread(target=out.append, args=(i,)) for i in range(8)]\n"
        + "[t.start() for t in ts]; [t.join() for t in ts]\n"
        + "p=subprocess.run(['sh','-c','echo a | tr a b'], capture_output=True, text=True)\n"
        + "db=sqlite3.connect(':memory:'); db.execute('create table t(x)'); db.execute('insert into t values (1)')\n"
        + "print(len(out), p.stdout.strip(), db.execute('select count(*) from t').fetchone()[0])");
    assertThat(r.exitCode()).as(r.stderrText()).isZero();
    assertThat(r.stdoutText().strip()).isEqualTo("8 b 1");
  }

  @org.junit.jupiter.api.Test
  void sandboxesShareTheImageReadOnlyInsteadOfCopyingIt() throws IOException {
    // runc shows host inode numbers: the sandbox's python is the very file in the image store
    Path python = new dev.acgs.sandbox.runtime.image.ImageStore(new dev.acgs.sandbox.runtime.state.StateLayout(TestHost.STATE_DIR))
        .resolve("default").rootfs().resolve("usr/bin/python3.11");
    long hostInode = (Long) Files.getAttribute(python, "unix:ino");
    ExecResult r = sh(RuntimeKind.RUNC, "busybox stat -c %i /usr/bin/python3.11");
    assertThat(Long.parseLong(r.stdoutText().strip())).isEqualTo(hostInode);
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    java.util.HashSet<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return u;
  }
}
