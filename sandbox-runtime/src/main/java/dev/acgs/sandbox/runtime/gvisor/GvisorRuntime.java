package dev.acgs.sandbox.runtime.gvisor;

import dev.acgs.sandbox.runtime.RuntimeConfig;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.oci.OciRuntime;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.runtime.monitor.ViolationWatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * gVisor: the sandboxed code talks to the Sentry, a kernel written in Go running in user space,
 * and never to the host kernel's system calls directly.
 *
 * <p>Flags: {@code --platform=ptrace} (KVM is not available in nested VMs such as this one);
 * {@code --network=none} (the sandbox's network stack has loopback only); {@code --oci-seccomp}
 * (without it runsc ignores the spec's seccomp profile). User namespaces are not used: the Sentry
 * keeps its own uids, and its host processes already run in a separate user namespace as nobody.
 */
public final class GvisorRuntime extends OciRuntime {
  /** The global flags of every runsc call. */
  public static final List<String> FLAGS = List.of("--platform=ptrace", "--network=none", "--oci-seccomp");

  private final BootLogWatcher watcher = new BootLogWatcher();

  public GvisorRuntime(RuntimeConfig config) {
    super(RuntimeKind.GVISOR, config);
  }

  /**
   * The Sentry's boot log, one per sandbox, is the violation source: each call its seccomp filter
   * denies is written there with the thread that made it. Only the boot command logs.
   */
  @Override
  protected List<String> createFlags(Path bundle) {
    List<String> flags = List.of("--debug", "--debug-command=boot", "--debug-log=" + bundle.resolve(LOG_DIR) + "/");
    if (config().recordSyscalls()) {
      // learn mode: the Sentry logs every call; string arguments cut short, they are not needed
      return java.util.stream.Stream.concat(flags.stream(), java.util.stream.Stream.of("--strace", "--strace-log-size=16")).toList();
    }
    return flags;
  }

  @Override
  protected Optional<java.util.SortedSet<String>> recordedSyscalls(Path bundle) {
    if (!config().recordSyscalls()) {
      return Optional.empty();
    }
    return Optional.of(StraceLog.syscalls(bundle.resolve(LOG_DIR)));
  }

  static final String LOG_DIR = "gvisor-log";

  @Override
  protected Optional<ViolationWatch> watchViolations(String id, Path bundle, Consumer<ViolationEvent> sink) {
    try {
      Files.createDirectories(bundle.resolve(LOG_DIR));
    } catch (java.io.IOException e) {
      throw new dev.acgs.sandbox.runtime.SandboxFailedException("cannot create " + bundle.resolve(LOG_DIR) + ": " + e.getMessage(), e);
    }
    return Optional.of(watcher.watch(id, bundle.resolve(LOG_DIR), sink));
  }

  /**
   * {@code runsc run --detach}: measured on this VM against create + start, alternating, 20 each:
   * P50 167 vs 193 ms (BENCHMARKS.md). The boot flags of {@link #createFlags} apply to it alike.
   */
  @Override
  protected boolean createAndStartInOneCall() {
    return true;
  }

  @Override
  protected List<String> globalFlags() {
    return FLAGS;
  }

  @Override
  protected boolean usesUserNamespace() {
    return false;
  }

  /**
   * Host threads of the Sentry and its ptrace stubs (about 30 for an idle sandbox, plus one per
   * sandboxed thread) count against the pids cgroup. The spec's limit is enforced inside the Sentry
   * through RLIMIT_NPROC; the cgroup gets headroom for the Sentry's own threads as a backstop.
   */
  static final int SENTRY_THREAD_HEADROOM = 64;

  @Override
  protected long hostPidsLimit(int pids) {
    return (long) pids + SENTRY_THREAD_HEADROOM;
  }

  /**
   * runsc 20221219 ignores {@code errnoRet} (every ERRNO action answers EPERM), so a clone3 rule
   * answering ENOSYS would answer EPERM, and libc then fails to create threads instead of falling
   * back to clone. That runsc does not implement clone3 itself: allowing it through the filter
   * makes the Sentry answer ENOSYS, libc falls back to clone, and clone stays filtered by flags.
   */
  @Override
  protected SeccompProfile adaptSeccomp(SeccompProfile profile, Path bundle) {
    List<SeccompProfile.Rule> rules = profile.syscalls().stream()
        .map(r -> r.names().equals(List.of("clone3")) && "SCMP_ACT_ERRNO".equals(r.action())
            && Integer.valueOf(SeccompProfiles.ENOSYS).equals(r.errnoRet())
            ? SeccompProfile.Rule.allow(List.of("clone3")) : r)
        .toList();
    return new SeccompProfile(profile.defaultAction(), profile.defaultErrnoRet(), profile.architectures(), rules);
  }
}
