package dev.acgs.sandbox.runtime.runc;

import dev.acgs.sandbox.runtime.RuntimeConfig;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.oci.OciRuntime;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import dev.acgs.sandbox.core.seccomp.Syscalls;
import dev.acgs.sandbox.runtime.monitor.ViolationWatch;
import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Hardened runc: the Docker-equivalent baseline. Sandboxed code makes real host system calls,
 * filtered by seccomp. On top of the hardened spec each sandbox gets its own user namespace and host
 * id range, so its uid 1000 is a host uid no other sandbox has.
 *
 * <p>Not final only so that test code can weaken it through {@link OciRuntime#adjustOciSpec} to
 * prove the penetration-test harness sees an escape; {@link dev.acgs.sandbox.runtime.SandboxRuntime#create}
 * never makes a subclass.
 */
public class RuncRuntime extends OciRuntime {
  public RuncRuntime(RuntimeConfig config) {
    super(RuntimeKind.RUNC, config);
  }

  @Override
  protected List<String> globalFlags() {
    return List.of();
  }

  @Override
  protected boolean usesUserNamespace() {
    return true;
  }

  static final String LISTENER = "seccomp.sock";

  /** Calls the host kernel lets through every filter (see SyscallSweep.KERNEL_EXEMPT): no rule can name them usefully. */
  static final Set<String> UNFILTERABLE = Set.of("uretprobe", "uprobe");

  /**
   * Routes denials to the notify listener (answered EPERM, so the call fails as before and is seen,
   * arguments included): the profile's explicit EPERM rules, every catalogue call the profile does
   * not allow, the dangerous argument values of the catalogue's conditional entries that the profile
   * does not allow, and — as runc refuses NOTIFY as the default action — every named call no rule of
   * the profile mentions when the default answers EPERM. What stays unseen: numbers with no name (no
   * rule can name them) and the values of a conditionally allowed call (socket, clone, personality)
   * outside both its allow rules and the catalogue's dangerous values.
   */
  @Override
  protected SeccompProfile monitorSeccomp(SeccompProfile profile, Path bundle) {
    Set<String> allowed = new HashSet<>();
    Set<String> notified = new TreeSet<>();
    List<SeccompProfile.Rule> rules = new ArrayList<>();
    for (SeccompProfile.Rule r : profile.syscalls()) {
      if (r.args() == null && r.action().equals("SCMP_ACT_ALLOW")) {
        allowed.addAll(r.names());
      }
      if (r.args() == null && r.action().equals("SCMP_ACT_ERRNO")
          && (r.errnoRet() == null || r.errnoRet() == SeccompProfiles.EPERM)) {
        notified.addAll(r.names());
      } else {
        rules.add(r);
      }
    }
    for (DangerousSyscalls.Entry e : DangerousSyscalls.all()) {
      if (allowed.contains(e.syscall()) || e.syscall().equals("clone3")) {
        continue;
      }
      if (e.argRule().isEmpty()) {
        notified.add(e.syscall());
        continue;
      }
      for (SeccompProfile.Arg cond : e.argRule().get().conditions()) {
        if (!allowedBy(profile, e.syscall(), cond)) {
          rules.add(new SeccompProfile.Rule(List.of(e.syscall()), "SCMP_ACT_NOTIFY", null, List.of(cond)));
        }
      }
    }
    if (profile.defaultAction().equals("SCMP_ACT_ERRNO")
        && (profile.defaultErrnoRet() == null || profile.defaultErrnoRet() == SeccompProfiles.EPERM)) {
      // runc refuses NOTIFY as the default action: name instead every known call no rule mentions
      Set<String> mentioned = new HashSet<>();
      profile.syscalls().forEach(r -> mentioned.addAll(r.names()));
      Syscalls.all().keySet().stream().filter(n -> !mentioned.contains(n) && !UNFILTERABLE.contains(n)).forEach(notified::add);
    }
    if (!notified.isEmpty()) {
      rules.add(new SeccompProfile.Rule(List.copyOf(notified), "SCMP_ACT_NOTIFY", null, null));
    }
    return new SeccompProfile(profile.defaultAction(), profile.defaultErrnoRet(), profile.architectures(), rules,
        bundle.resolve(LISTENER).toString());
  }

  /** Whether a conditional ALLOW rule of the profile lets through a value the condition matches. */
  static boolean allowedBy(SeccompProfile p, String call, SeccompProfile.Arg cond) {
    long v = cond.op().equals("SCMP_CMP_MASKED_EQ") ? cond.valueTwo() : cond.value();
    for (SeccompProfile.Rule r : p.syscalls()) {
      if (!r.names().contains(call) || !r.action().equals("SCMP_ACT_ALLOW") || r.args() == null) {
        continue;
      }
      boolean all = r.args().stream().filter(a -> a.index() == cond.index()).allMatch(a -> a.holds(v));
      if (all) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Optional<ViolationWatch> watchViolations(String id, Path bundle, Consumer<ViolationEvent> sink) {
    return Optional.of(new SeccompNotifyListener(id, bundle.resolve(LISTENER), sink));
  }
}
