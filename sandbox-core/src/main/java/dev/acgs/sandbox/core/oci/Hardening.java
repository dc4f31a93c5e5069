package dev.acgs.sandbox.core.oci;

import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a {@link SandboxSpec} into a hardened OCI runtime spec. It carries the brief's Kubernetes
 * pod spec (non-root 1000, no privilege escalation, read-only root, drop ALL, RuntimeDefault
 * seccomp, cpu/memory limits) into OCI terms and goes past it: new pid, mount, ipc, uts and
 * network namespaces; a size-limited noexec /tmp; Docker's masked and read-only /proc and /sys
 * paths; a device cgroup that allows only null, zero, full, random, urandom and tty; pids limit;
 * rlimits; no host mounts but the read-only image and the read-only sandbox agent.
 *
 * <p>Pure: no files are read or written here.
 */
public final class Hardening {
  /** Where the sandbox agent (the sandbox's first process) is mounted inside every sandbox. */
  public static final String AGENT_DIR = "/.acgs";

  public static final String AGENT_PATH = AGENT_DIR + "/init";

  public static final String HOSTNAME = "sandbox";

  /** Annotation keys the runtimes use to find their own containers after a crash. */
  public static final String ANNOTATION_OWNER = "dev.acgs.sandbox/owner";

  public static final String ANNOTATION_STATE_DIR = "dev.acgs.sandbox/state-dir";

  /** Docker's masked paths (moby daemon/pkg/oci/defaults.go): bind-mounted over with nothing. */
  public static final List<String> MASKED_PATHS =
      List.of(
          "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
          "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

  /** Docker's read-only paths: the kernel's writable knobs under /proc. */
  public static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  /** The only devices a sandbox may open: null, zero, full, random, urandom, tty (all char devices). */
  public static final List<long[]> ALLOWED_DEVICES =
      List.of(new long[] {1, 3}, new long[] {1, 5}, new long[] {1, 7}, new long[] {1, 8}, new long[] {1, 9},
          new long[] {5, 0});

  public static final long CPU_PERIOD_US = 100_000;

  /** Environment every sandboxed process starts from; the spec's own variables are added on top. */
  public static final Map<String, String> BASE_ENV =
      Map.of(
          "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "HOME", "/tmp",
          "LANG", "C.UTF-8",
          "PYTHONDONTWRITEBYTECODE", "1");

  private Hardening() {}

  /**
   * Everything about the host that the spec alone does not say.
   *
   * @param rootfs the image's root filesystem, mounted read-only
   * @param agentDir the host directory holding the agent binary, mounted read-only at {@link #AGENT_DIR}
   * @param cgroupsPath the sandbox's cgroup, e.g. {@code /acgs/<id>}
   * @param userNamespaceHostBase when present, processes run in a new user namespace whose ids
   *     0..65535 map to host ids starting here (the runc runtime uses one range per sandbox)
   * @param seccomp the profile to install, already resolved from the spec's profile name
   * @param hostPidsLimit the pids cgroup limit; the spec's pids limit unless the runtime's own host
   *     threads count against it too (gVisor's Sentry), in which case the runtime enforces the
   *     spec's limit inside the sandbox and this is a backstop
   * @param annotations ownership marks written into the spec
   */
  public record HostContext(
      Path rootfs,
      Path agentDir,
      String cgroupsPath,
      Optional<Long> userNamespaceHostBase,
      SeccompProfile seccomp,
      long hostPidsLimit,
      Map<String, String> annotations) {}

  /** The hardened spec; its process is the sandbox agent, which then starts the spec's commands. */
  public static OciSpec toOciSpec(SandboxSpec spec, HostContext host) {
    return new OciSpec(
        OciSpec.VERSION,
        process(spec, List.of(AGENT_PATH)),
        new OciSpec.Root(host.rootfs().toString(), true),
        HOSTNAME,
        mounts(spec.limits(), host.agentDir()),
        linux(spec, host),
        Map.copyOf(host.annotations()));
  }

  /** The process every sandboxed program runs as: fixed user, no capabilities, no new privileges. */
  public static OciSpec.Process process(SandboxSpec spec, List<String> args) {
    return new OciSpec.Process(
        false,
        new OciSpec.User(spec.user().uid(), spec.user().gid(), null),
        List.copyOf(args),
        environment(spec.env()),
        spec.workingDir(),
        OciSpec.Capabilities.none(),
        rlimits(spec.limits()),
        true);
  }

  /** The base environment with {@code overrides} applied, as {@code NAME=value} strings. */
  public static List<String> environment(Map<String, String> overrides) {
    Map<String, String> env = new LinkedHashMap<>(BASE_ENV);
    env.putAll(overrides);
    List<String> out = new ArrayList<>(env.size());
    env.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  static List<OciSpec.Rlimit> rlimits(ResourceLimits limits) {
    return List.of(
        new OciSpec.Rlimit("RLIMIT_NOFILE", limits.openFiles(), limits.openFiles()),
        new OciSpec.Rlimit("RLIMIT_NPROC", limits.pids(), limits.pids()),
        new OciSpec.Rlimit("RLIMIT_CORE", 0, 0));
  }

  static List<OciSpec.Mount> mounts(ResourceLimits limits, Path agentDir) {
    long tmpKib = limits.tmpSize().bytes() / 1024;
    long shmKib = Math.min(tmpKib, 64 * 1024);
    return List.of(
        new OciSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
        new OciSpec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "noexec", "strictatime", "mode=755", "size=64k")),
        new OciSpec.Mount("/dev/shm", "tmpfs", "shm",
            List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + shmKib + "k")),
        new OciSpec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
        new OciSpec.Mount("/tmp", "tmpfs", "tmpfs",
            List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + tmpKib + "k")),
        new OciSpec.Mount(AGENT_DIR, "bind", agentDir.toString(), List.of("rbind", "ro", "nosuid", "nodev")));
  }

  static OciSpec.Linux linux(SandboxSpec spec, HostContext host) {
    ResourceLimits l = spec.limits();
    List<OciSpec.DeviceRule> devices = new ArrayList<>();
    devices.add(new OciSpec.DeviceRule(false, null, null, null, "rwm"));
    for (long[] d : ALLOWED_DEVICES) {
      devices.add(new OciSpec.DeviceRule(true, "c", d[0], d[1], "rwm"));
    }
    long memory = l.memory().bytes();
    OciSpec.Resources resources =
        new OciSpec.Resources(
            devices,
            new OciSpec.Memory(memory, memory, null),
            new OciSpec.Cpu(Math.max(1000, Math.round(l.cpus() * CPU_PERIOD_US)), CPU_PERIOD_US),
            new OciSpec.Pids(host.hostPidsLimit()));

    List<OciSpec.Namespace> namespaces = new ArrayList<>();
    for (String ns : List.of("pid", "network", "ipc", "uts", "mount")) {
      namespaces.add(new OciSpec.Namespace(ns));
    }
    List<OciSpec.IdMapping> uidMap = null;
    List<OciSpec.IdMapping> gidMap = null;
    if (host.userNamespaceHostBase().isPresent()) {
      long base = host.userNamespaceHostBase().get();
      namespaces.add(new OciSpec.Namespace("user"));
      uidMap = List.of(new OciSpec.IdMapping(0, base, 65536));
      gidMap = List.of(new OciSpec.IdMapping(0, base, 65536));
    }
    return new OciSpec.Linux(
        resources, host.cgroupsPath(), namespaces, uidMap, gidMap, MASKED_PATHS, READONLY_PATHS, host.seccomp());
  }
}
