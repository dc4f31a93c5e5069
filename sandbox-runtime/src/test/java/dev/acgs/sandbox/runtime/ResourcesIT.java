package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.core.model.SandboxSpec;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Resource abuse is contained in the sandbox that does it: the neighbour and this process carry on. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourcesIT {
  final Map<RuntimeKind, TestHost.Tracked> runtimes = new EnumMap<>(RuntimeKind.class);
  final Map<RuntimeKind, Sandbox> neighbours = new EnumMap<>(RuntimeKind.class);

  @BeforeAll
  void start() {
    for (RuntimeKind k : RuntimeKind.local()) {
      TestHost.Tracked rt = TestHost.runtime(k);
      runtimes.put(k, rt);
      neighbours.put(k, rt.create(SandboxSpec.builder().build()));
    }
  }

  @AfterAll
  void stop() {
    neighbours.values().forEach(Sandbox::close);
    runtimes.values().forEach(TestHost.Tracked::close);
  }

  /** After every attack: the neighbour still answers, and so does this process. */
  @AfterEach
  void neighbourStillWorks() {
    for (Map.Entry<RuntimeKind, Sandbox> n : neighbours.entrySet()) {
      ExecResult r = n.getValue().exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c", "print('alive')"));
      assertThat(r.stdoutText()).as("neighbour on %s", n.getKey()).isEqualTo("alive\n");
    }
  }

  Sandbox attacker(RuntimeKind k, ResourceLimits limits) {
    return runtimes.get(k).create(SandboxSpec.builder().limits(limits).build());
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aMemoryHogIsOomKilledAndReportedAsOom(RuntimeKind k) {
    try (Sandbox s = attacker(k, ResourceLimits.DEFAULT.withMemory(ByteSize.ofMiB(64)).withTmpSize(ByteSize.ofMiB(8)))) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c",
          "x=[]\nwhile True: x.append(bytearray(8<<20))"));
      assertThat(r.termination()).as("stderr: %s", r.stderrText()).contains(ExecResult.Termination.OOM);
      assertThat(r.exitCode()).isEqualTo(137);
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aForkBombHitsThePidsLimit(RuntimeKind k) {
    int pids = 32;
    try (Sandbox s = attacker(k, ResourceLimits.DEFAULT.withPids(pids))) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c",
          "import os,time\nn=0\ntry:\n while True:\n  if os.fork()==0:\n   time.sleep(60); os._exit(0)\n  n+=1\n"
              + "except OSError as e: print('forks', n, e.errno)"));
      if (k == RuntimeKind.RUNC) {
        // the kernel refuses the fork inside the sandbox: EAGAIN (11)
        assertThat(r.stdoutText()).matches("forks \\d+ 11\n");
        int forks = Integer.parseInt(r.stdoutText().split(" ")[1]);
        assertThat(forks).isLessThan(pids);
      } else {
        // gVisor's Sentry needs host threads itself: the limit ends the whole sandbox
        assertThat(r.termination()).contains(ExecResult.Termination.PIDS_LIMIT);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void sleepingForeverEndsAtTheTimeoutAndTheSandboxIsKilled(RuntimeKind k) {
    try (Sandbox s = attacker(k, ResourceLimits.DEFAULT)) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(2), "sleep", "1000"));
      assertThat(r.termination()).contains(ExecResult.Termination.TIMEOUT);
      assertThat(r.duration()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
      assertThat(s.isAlive()).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void anOutputFloodIsTruncatedAtTheCap(RuntimeKind k) {
    long cap = 1 << 20;
    try (Sandbox s = attacker(k, ResourceLimits.DEFAULT)) {
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "sh", "-c", "head -c 50000000 /dev/zero; echo done >&2")
          .withMaxOutputBytes(cap));
      assertThat(r.exitCode()).isZero();
      assertThat(r.stdout()).hasSize((int) cap);
      assertThat(r.stdoutTruncated()).isTrue();
      assertThat(r.stderrText()).isEqualTo("done\n");
      assertThat(r.stderrTruncated()).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void aCpuSpinIsHeldToItsQuota(RuntimeKind k) {
    try (Sandbox s = attacker(k, ResourceLimits.DEFAULT.withCpus(0.5))) {
      // measured from the host: the sandbox's cgroup CPU time (gVisor's own clock inside is virtual)
      long cpuBefore = s.stats().cpuTime().toNanos();
      long t0 = System.nanoTime();
      ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(60), "python3", "-c",
          "import time\nt=time.monotonic()\nwhile time.monotonic()-t<3: pass\nprint('spun')"));
      double wall = (System.nanoTime() - t0) / 1e9;
      double cpu = (s.stats().cpuTime().toNanos() - cpuBefore) / 1e9;
      assertThat(r.stdoutText()).isEqualTo("spun\n");
      // half a core: about 0.5 s of CPU per second of wall time, never the full second an unlimited spin takes
      assertThat(cpu / wall).as("cpu %.2f s over %.2f s of wall time", cpu, wall).isLessThan(0.7);
    }
  }
}
