package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.runtime.cgroup.Cgroups;
import dev.acgs.sandbox.runtime.image.ImageStore;
import dev.acgs.sandbox.runtime.internal.Binaries;
import dev.acgs.sandbox.runtime.state.StateLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sandboxctl doctor}: what this host has and lacks, with the fix for each missing piece. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = "Checks this host can run sandboxes; prints the fix for every missing piece. Exit 1 if any check fails.")
public final class DoctorCommand implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--no-smoke", description = "Skip starting a real sandbox on each runtime.")
  boolean noSmoke;

  private int failures;

  @Override
  public Integer call() {
    check("running as root", isRoot(), "run sandboxctl as root (sudo)");
    check("Linux kernel " + System.getProperty("os.version"), true, "");
    check("seccomp filtering", readFile("/proc/self/status").contains("Seccomp:"), "use a kernel built with CONFIG_SECCOMP_FILTER");
    check("user namespaces", !readFile("/proc/sys/user/max_user_namespaces").strip().equals("0"),
        "sysctl -w user.max_user_namespaces=15000 (runc sandboxes use one user namespace each)");
    boolean v2 = Cgroups.isV2();
    boolean controllers = v2 ? readFile("/sys/fs/cgroup/cgroup.controllers").contains("memory") && readFile("/sys/fs/cgroup/cgroup.controllers").contains("pids")
        : Files.isDirectory(Path.of("/sys/fs/cgroup/memory")) && Files.isDirectory(Path.of("/sys/fs/cgroup/pids"));
    check("cgroups " + (v2 ? "v2" : "v1") + " with memory and pids controllers", controllers,
        "mount the cgroup controllers (memory, pids, cpu) under /sys/fs/cgroup");
    for (RuntimeKind k : RuntimeKind.local()) {
      String v = VersionCommand.runtimeVersion(k);
      check(k.binary() + " (" + k + "): " + v, Binaries.findRuntime(k).isPresent() && !v.startsWith("broken"),
          "apt-get install -y " + k.debianPackage());
    }
    check("mmdebstrap (image builds)", Binaries.find("mmdebstrap").isPresent(), "apt-get install -y mmdebstrap");
    ImageStore images = new ImageStore(new StateLayout(state.config().stateDir()));
    boolean hasDefault = images.find(SandboxSpec.DEFAULT_IMAGE).isPresent();
    check("default image in " + images.root(), hasDefault, "sandboxctl image build");
    if (!noSmoke && hasDefault && isRoot()) {
      for (RuntimeKind k : RuntimeKind.local()) {
        if (Binaries.findRuntime(k).isEmpty()) {
          continue;
        }
        String what = "a " + k + " sandbox runs python3";
        try (SandboxRuntime rt = SandboxRuntime.create(k, state.config());
            Sandbox s = rt.create(SandboxSpec.builder().build())) {
          ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c", "print(6*7)"));
          check(what + String.format(" (started in %.0f ms)", s.startDuration().toNanos() / 1e6),
              r.exitCode() == 0 && r.stdoutText().strip().equals("42"), "see the error above; `sandboxctl run --runtime " + k + " -- true` shows it in full");
        } catch (RuntimeException e) {
          check(what + ": " + e.getMessage(), false, "fix the error above");
        }
      }
    }
    System.out.println(failures == 0 ? "all checks passed" : failures + " check(s) failed");
    return failures == 0 ? 0 : 1;
  }

  private void check(String what, boolean ok, String fix) {
    System.out.println((ok ? "[ ok ] " : "[FAIL] ") + what + (ok || fix.isEmpty() ? "" : "\n       fix: " + fix));
    if (!ok) {
      failures++;
    }
  }

  private static boolean isRoot() {
    return readFile("/proc/self/status").lines().filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[2].equals("0"));
  }

  private static String readFile(String p) {
    try {
      return Files.readString(Path.of(p));
    } catch (IOException e) {
      return "";
    }
  }
}
