package dev.acgs.sandbox.core.seccomp;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The built-in seccomp profiles.
 *
 * <p>{@code baseline} is Docker's default profile (moby/profiles {@code seccomp/default.json}) as
 * it applies to a process with every capability dropped: the capability-gated entries (mount,
 * unshare, setns, bpf, perf_event_open, ptrace, module loading, clock setting, ...) are absent, so
 * those calls get EPERM. Two deliberate differences from Docker: ptrace, process_vm_readv and
 * process_vm_writev stay denied (Docker allows them on kernels from 4.8), and only x86_64 is
 * allowed (no 32-bit compat entry points).
 */
public final class SeccompProfiles {
  /** EPERM: what a denied call returns, as under Docker. */
  public static final int EPERM = 1;

  public static final int ENOSYS = 38;

  /** Namespace flags of clone(2): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. */
  public static final long CLONE_NAMESPACE_FLAGS =
      0x00020000L | 0x02000000L | 0x04000000L | 0x08000000L | 0x10000000L | 0x20000000L | 0x40000000L;

  /** Socket families that stay denied even when socket(2) is allowed: AF_ALG (38), AF_VSOCK (40). */
  public static final Set<Long> DENIED_SOCKET_FAMILIES = Set.of(38L, 40L);

  /** The largest address family number the kernel defines (AF_MCTP = 45). */
  static final long MAX_SOCKET_FAMILY = 45;

  /** personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query. */
  static final long[] PERSONALITY_VALUES = {0x0, 0x8, 0x20000, 0x20008, 0xffffffffL};

  private static final List<String> BASELINE_ALLOWED =
      List.of(
          "accept", "accept4", "access", "adjtimex", "alarm", "arch_prctl", "bind", "brk", "cachestat",
          "capget", "capset", "chdir", "chmod", "chown", "clock_adjtime", "clock_getres", "clock_gettime",
          "clock_nanosleep", "close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2",
          "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
          "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
          "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate", "fanotify_mark",
          "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat", "fcntl", "fdatasync",
          "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs",
          "fsync", "ftruncate", "futex", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake",
          "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid",
          "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
          "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list",
          "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
          "gettimeofday", "getuid", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
          "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
          "io_pgetevents", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "kill",
          "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
          "lgetxattr", "link", "linkat", "listen", "listmount", "listxattr", "listxattrat", "llistxattr",
          "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise", "map_shadow_stack", "membarrier",
          "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
          "mlock2", "mlockall", "mmap", "modify_ldt", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
          "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv",
          "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
          "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
          "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "prctl", "pread64",
          "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pwrite64", "pwritev",
          "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg",
          "recvmsg", "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat",
          "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
          "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
          "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
          "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
          "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam",
          "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
          "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsuid", "setgid",
          "setgroups", "setitimer", "setpgid", "setpriority", "setregid", "setresgid", "setresuid",
          "setreuid", "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
          "set_tid_address", "setuid", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget",
          "shutdown", "sigaltstack", "signalfd", "signalfd4", "socketpair", "splice", "stat", "statfs",
          "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo",
          "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
          "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime", "times", "tkill",
          "truncate", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimes", "vfork",
          "vmsplice", "wait4", "waitid", "write", "writev");

  private SeccompProfiles() {}

  /** The seed's literal allowlist: no execve, openat or clone, so no interpreter can start under it. */
  public static final List<String> STRICT_ALLOWED = List.of(
      "read", "write", "close", "fstat", "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask",
      "ioctl", "nanosleep", "select", "poll", "exit_group");

  /** The sign bit of a 32-bit int argument, whatever the register's upper half holds. */
  static final long NEGATIVE_INT_BIT = 0x80000000L;

  /** Allowed by Docker's profile but left out of {@code enhanced}: obsolete or never needed by agent code. */
  static final Set<String> ENHANCED_ALSO_DENIED = Set.of("memfd_secret", "remap_file_pages", "fanotify_mark");

  /** Socket families {@code enhanced} allows: AF_UNIX, AF_INET, AF_INET6, AF_NETLINK. */
  static final List<Long> ENHANCED_SOCKET_FAMILIES = List.of(1L, 2L, 10L, 16L);

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

  /** Names of the built-in profiles. */
  public static List<String> names() {
    return List.of("baseline", "enhanced", "strict");
  }

  /** A built-in profile by name. */
  public static SeccompProfile byName(String name) {
    return switch (name) {
      case "baseline" -> baseline();
      case "enhanced" -> enhanced();
      case "strict" -> strict();
      default ->
          throw new InvalidSpecException(
              "seccompProfile", "unknown profile '" + name + "': built-in profiles are " + names()
                  + ", or give a profile file (sandboxctl run --profile FILE)");
    };
  }

  /**
   * The default for agent code: deny by default; the baseline allowlist without every call of the
   * dangerous catalogue (see {@link DangerousSyscalls}) and a few obsolete ones; sockets only for
   * AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK. Catalogue calls get explicit deny rules, so a denial
   * of one is recognised as a violation of that entry.
   */
  public static SeccompProfile enhanced() {
    java.util.Set<String> catalogued = new java.util.HashSet<>();
    DangerousSyscalls.all().forEach(e -> catalogued.add(e.syscall()));
    List<String> allowed = BASELINE_ALLOWED.stream()
        .filter(n -> !catalogued.contains(n) && !ENHANCED_ALSO_DENIED.contains(n) && !n.equals("setpriority")).toList();
    List<SeccompProfile.Rule> rules = new ArrayList<>();
    rules.add(SeccompProfile.Rule.allow(allowed));
    // setpriority only to lower one's priority (nice >= 0): raising it needs CAP_SYS_NICE, which
    // the host kernel checks on runc but gVisor 20221219 does not (found by the pentest corpus)
    rules.add(new SeccompProfile.Rule(List.of("setpriority"), "SCMP_ACT_ALLOW", null,
        List.of(SeccompProfile.Arg.maskedEq(2, NEGATIVE_INT_BIT, 0))));
    for (long family : ENHANCED_SOCKET_FAMILIES) {
      rules.add(new SeccompProfile.Rule(List.of("socket"), "SCMP_ACT_ALLOW", null, List.of(SeccompProfile.Arg.eq(0, family))));
    }
    for (long p : PERSONALITY_VALUES) {
      rules.add(new SeccompProfile.Rule(List.of("personality"), "SCMP_ACT_ALLOW", null, List.of(SeccompProfile.Arg.eq(0, p))));
    }
    rules.add(new SeccompProfile.Rule(List.of("clone"), "SCMP_ACT_ALLOW", null,
        List.of(SeccompProfile.Arg.maskedEq(0, CLONE_NAMESPACE_FLAGS, 0))));
    rules.add(new SeccompProfile.Rule(List.of("clone3"), "SCMP_ACT_ERRNO", ENOSYS, null));
    List<String> denied = DangerousSyscalls.all().stream()
        .filter(e -> e.argRule().isEmpty() && !e.syscall().equals("clone3"))
        .map(DangerousSyscalls.Entry::syscall).toList();
    rules.add(new SeccompProfile.Rule(denied, "SCMP_ACT_ERRNO", EPERM, null));
    return new SeccompProfile("SCMP_ACT_ERRNO", EPERM, List.of("SCMP_ARCH_X86_64"), rules);
  }

  /**
   * Calls every recorded profile allows besides the recorded ones: runc installs the filter in its
   * own init (a Go program) before it execs the sandbox's first process, so the init's last steps
   * (checking /proc with fstatfs, setting ids, its Go runtime's signals and scheduling) run under it.
   * gVisor applies the filter inside the Sentry, where none of this is needed. Measured with runc
   * 1.1.5: without fstatfs, setresgid or tgkill no sandbox starts; the rest are its Go runtime's
   * timing-dependent calls.
   */
  public static final List<String> RUNTIME_START = List.of("fstatfs", "setresgid", "setresuid", "setgroups",
      "capget", "capset", "tgkill", "getpid", "gettid", "rt_sigreturn", "sigaltstack", "futex", "nanosleep",
      "sched_yield", "madvise", "epoll_pwait", "epoll_ctl", "close_range", "exit", "exit_group");

  /**
   * A recorded profile: {@code enhanced} cut down to the calls a workload was seen to make (and
   * {@link #RUNTIME_START}). It never
   * allows more than {@code enhanced}: argument rules (socket families, personality, clone flags)
   * stay as they are, clone3 keeps answering ENOSYS, the catalogue keeps its explicit deny rules.
   * Recorded calls that {@code enhanced} does not allow are left out; {@link #leftOut} names them.
   */
  public static SeccompProfile recorded(java.util.Collection<String> used) {
    java.util.Set<String> seen = new java.util.HashSet<>(used);
    seen.addAll(RUNTIME_START);
    List<SeccompProfile.Rule> rules = new ArrayList<>();
    for (SeccompProfile.Rule r : enhanced().syscalls()) {
      if (!r.action().equals("SCMP_ACT_ALLOW")) {
        rules.add(r);
      } else if (r.args() != null) {
        if (seen.contains(r.names().getFirst())) {
          rules.add(r);
        }
      } else {
        List<String> kept = r.names().stream().filter(seen::contains).sorted().toList();
        if (!kept.isEmpty()) {
          rules.add(SeccompProfile.Rule.allow(kept));
        }
      }
    }
    return new SeccompProfile("SCMP_ACT_ERRNO", EPERM, List.of("SCMP_ARCH_X86_64"), rules);
  }

  /** The recorded calls {@link #recorded} leaves out because {@code enhanced} does not allow them. */
  public static java.util.SortedSet<String> leftOut(java.util.Collection<String> used) {
    SeccompProfile enhanced = enhanced();
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    for (String name : used) {
      boolean allowedSomehow = enhanced.syscalls().stream()
          .anyMatch(r -> r.action().equals("SCMP_ACT_ALLOW") && r.names().contains(name));
      if (!allowedSomehow && !name.equals("clone3")) {
        out.add(name);
      }
    }
    return out;
  }

  /** The seed's 15-call allowlist, kept to show what a real workload needs beyond it. */
  public static SeccompProfile strict() {
    return new SeccompProfile("SCMP_ACT_ERRNO", EPERM, List.of("SCMP_ARCH_X86_64"),
        List.of(SeccompProfile.Rule.allow(STRICT_ALLOWED)));
  }

  /**
   * Reads a profile in the OCI / Docker JSON form, validating every entry: an unknown field, action
   * or syscall name is an error naming it.
   */
  public static SeccompProfile load(java.nio.file.Path file) {
    try {
      return JSON.readValue(file.toFile(), SeccompProfile.class);
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      Throwable c = e.getCause() instanceof InvalidSpecException ? e.getCause() : e;
      throw new InvalidSpecException("profile", file + ": " + (c instanceof InvalidSpecException ise ? ise.getMessage()
          : e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      throw new InvalidSpecException("profile", "cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * The profile as OCI / Docker JSON. The same file serves as a Kubernetes {@code Localhost} profile
   * (placed under the kubelet's seccomp directory, e.g. /var/lib/kubelet/seccomp/profiles/NAME.json).
   */
  public static String toJson(SeccompProfile profile) {
    try {
      return JSON.writeValueAsString(profile);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Docker's default profile as it applies with all capabilities dropped; see the class comment. */
  public static SeccompProfile baseline() {
    List<SeccompProfile.Rule> rules = new ArrayList<>();
    rules.add(SeccompProfile.Rule.allow(BASELINE_ALLOWED));
    // socket(2): every family but AF_ALG and AF_VSOCK. Families 1..37 as one "less than" rule,
    // then 39 and 41..45 one by one (runc ORs repeated conditions on one argument).
    rules.add(new SeccompProfile.Rule(List.of("socket"), "SCMP_ACT_ALLOW", null,
        List.of(new SeccompProfile.Arg(0, 38, null, "SCMP_CMP_LT"))));
    for (long family = 39; family <= MAX_SOCKET_FAMILY; family++) {
      if (!DENIED_SOCKET_FAMILIES.contains(family)) {
        rules.add(new SeccompProfile.Rule(List.of("socket"), "SCMP_ACT_ALLOW", null,
            List.of(SeccompProfile.Arg.eq(0, family))));
      }
    }
    for (long p : PERSONALITY_VALUES) {
      rules.add(new SeccompProfile.Rule(List.of("personality"), "SCMP_ACT_ALLOW", null,
          List.of(SeccompProfile.Arg.eq(0, p))));
    }
    // clone(2) without any namespace flag; clone3 cannot be filtered by flags (they are behind a
    // pointer), so it answers ENOSYS and libc falls back to clone.
    rules.add(new SeccompProfile.Rule(List.of("clone"), "SCMP_ACT_ALLOW", null,
        List.of(SeccompProfile.Arg.maskedEq(0, CLONE_NAMESPACE_FLAGS, 0))));
    rules.add(new SeccompProfile.Rule(List.of("clone3"), "SCMP_ACT_ERRNO", ENOSYS, null));
    return new SeccompProfile("SCMP_ACT_ERRNO", EPERM, List.of("SCMP_ARCH_X86_64"), rules);
  }
}
