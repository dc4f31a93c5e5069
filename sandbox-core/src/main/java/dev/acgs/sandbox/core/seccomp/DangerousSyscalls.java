package dev.acgs.sandbox.core.seccomp;

import java.util.List;
import java.util.Optional;

/**
 * The dangerous-syscall catalogue: one row per call that sandboxed code has no business making, why,
 * and what to do about it. Covers items 1, 3, 7-9, 21-30 of the project's security reference.
 * Calls that are dangerous only with some arguments carry an {@link ArgRule}.
 */
public final class DangerousSyscalls {

  /** What a call threatens. */
  public enum Category {
    NAMESPACES, MOUNT, KERNEL_ATTACK_SURFACE, KEYRING, HOST_CONTROL, KERNEL_MODULES, CROSS_PROCESS,
    RAW_SOCKETS, LEGACY_ABI, TIME_AND_IDENTITY, FILELESS_EXEC, HANDLE_ESCAPE;

    /** As events and metrics label it: {@code kernel-attack-surface}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** What the policy does by default when one is attempted: both block it; critical also ends the sandbox. */
  public enum Severity {
    /** An escape technique: terminate the sandbox. */
    CRITICAL,
    /** Kernel attack surface or host control without a known escape on its own: alert. */
    HIGH;

    /** As events and metrics label it: {@code critical}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** How an {@link ArgRule} reads its values. */
  public enum Match {
    /** dangerous when the argument is one of the values */
    ANY_OF,
    /** dangerous when the argument has any bit of the first value (a mask) set */
    ANY_BIT_OF,
    /** dangerous when the argument is none of the values (an allowlist) */
    NONE_OF
  }

  /**
   * Only some argument values make the call dangerous.
   *
   * @param index the argument (0-based)
   * @param values values, a mask, or allowed values, as {@code match} says
   * @param describe how the rule reads to a person
   */
  public record ArgRule(int index, Match match, List<Long> values, String describe) {
    /**
     * Seccomp conditions that each match only dangerous calls: one per value, one per flag bit, or
     * for an allowlist the common dangerous values ({@link #PERSONALITY_DANGEROUS}).
     */
    public List<SeccompProfile.Arg> conditions() {
      List<SeccompProfile.Arg> out = new java.util.ArrayList<>();
      switch (match) {
        case ANY_OF -> values.forEach(v -> out.add(SeccompProfile.Arg.eq(index, v)));
        case ANY_BIT_OF -> {
          long mask = values.getFirst();
          for (long bit = Long.lowestOneBit(mask); bit != 0; mask &= ~bit, bit = Long.lowestOneBit(mask)) {
            out.add(SeccompProfile.Arg.maskedEq(index, bit, bit));
          }
        }
        case NONE_OF -> PERSONALITY_DANGEROUS.forEach(v -> out.add(SeccompProfile.Arg.eq(index, v)));
      }
      return out;
    }

    public boolean matches(long arg) {
      return switch (match) {
        case ANY_OF -> values.contains(arg);
        case ANY_BIT_OF -> (arg & values.getFirst()) != 0;
        case NONE_OF -> !values.contains(arg);
      };
    }
  }

  /** One catalogue row. */
  public record Entry(String syscall, Category category, Severity severity, String why, Optional<ArgRule> argRule) {
    public int number() {
      return Syscalls.number(syscall).orElseThrow();
    }
  }

  /** READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, ADDR_COMPAT_LAYOUT, alone and with PER_LINUX32. */
  public static final List<Long> PERSONALITY_DANGEROUS =
      List.of(0x400000L, 0x40000L, 0x200000L, 0x400008L, 0x40008L, 0x200008L);

  static final ArgRule CLONE_NS = new ArgRule(0, Match.ANY_BIT_OF, List.of(SeccompProfiles.CLONE_NAMESPACE_FLAGS),
      "with any CLONE_NEW* namespace flag");
  static final ArgRule SOCKET_FAMILIES = new ArgRule(0, Match.ANY_OF, List.of(17L, 38L, 40L),
      "with family AF_PACKET (17), AF_ALG (38) or AF_VSOCK (40)");

  private static final List<Entry> ENTRIES = List.of(
      e("unshare", Category.NAMESPACES, Severity.CRITICAL, "new namespaces, user namespaces first: the start of most capability-regaining escapes (CVE-2022-0492)"),
      e("setns", Category.NAMESPACES, Severity.CRITICAL, "joins another namespace, e.g. the host's through a leaked /proc fd"),
      new Entry("clone", Category.NAMESPACES, Severity.CRITICAL, "clone with CLONE_NEW* flags is unshare by another name", Optional.of(CLONE_NS)),
      e("clone3", Category.NAMESPACES, Severity.HIGH, "flags are behind a pointer seccomp cannot read, so namespace flags cannot be filtered; libc falls back to clone"),
      e("mount", Category.MOUNT, Severity.CRITICAL, "mounts a host block device, cgroupfs (release_agent) or procfs over a masked path"),
      e("umount2", Category.MOUNT, Severity.CRITICAL, "unmounts the masks over /proc and /sys"),
      e("pivot_root", Category.MOUNT, Severity.CRITICAL, "changes the root filesystem"),
      e("chroot", Category.MOUNT, Severity.HIGH, "classic chroot escapes with a second chroot"),
      e("fsopen", Category.MOUNT, Severity.CRITICAL, "new mount API: creates a filesystem context"),
      e("fsconfig", Category.MOUNT, Severity.CRITICAL, "new mount API: configures a filesystem (CVE-2022-0185 heap overflow)"),
      e("fsmount", Category.MOUNT, Severity.CRITICAL, "new mount API: creates a mount"),
      e("fspick", Category.MOUNT, Severity.CRITICAL, "new mount API: reconfigures an existing mount"),
      e("open_tree", Category.MOUNT, Severity.CRITICAL, "new mount API: clones a mount tree"),
      e("move_mount", Category.MOUNT, Severity.CRITICAL, "new mount API: attaches a mount"),
      e("mount_setattr", Category.MOUNT, Severity.CRITICAL, "new mount API: makes read-only mounts writable"),
      e("bpf", Category.KERNEL_ATTACK_SURFACE, Severity.CRITICAL, "eBPF verifier bugs are a recurring kernel privilege escalation"),
      e("perf_event_open", Category.KERNEL_ATTACK_SURFACE, Severity.HIGH, "large kernel surface with a history of privilege escalations; side channels"),
      e("userfaultfd", Category.KERNEL_ATTACK_SURFACE, Severity.HIGH, "stalls kernel page faults: the standard tool to win kernel race conditions"),
      e("io_uring_setup", Category.KERNEL_ATTACK_SURFACE, Severity.HIGH, "io_uring has had many privilege escalations and bypasses seccomp for its operations"),
      e("io_uring_enter", Category.KERNEL_ATTACK_SURFACE, Severity.HIGH, "io_uring: submits operations seccomp never sees"),
      e("io_uring_register", Category.KERNEL_ATTACK_SURFACE, Severity.HIGH, "io_uring: registers buffers and files"),
      e("keyctl", Category.KEYRING, Severity.HIGH, "the kernel keyring is not namespaced: keys of the host and other containers"),
      e("add_key", Category.KEYRING, Severity.HIGH, "the kernel keyring is not namespaced"),
      e("request_key", Category.KEYRING, Severity.HIGH, "the kernel keyring is not namespaced; can call up to user space helpers"),
      e("kexec_load", Category.HOST_CONTROL, Severity.CRITICAL, "loads a new kernel"),
      e("kexec_file_load", Category.HOST_CONTROL, Severity.CRITICAL, "loads a new kernel"),
      e("reboot", Category.HOST_CONTROL, Severity.CRITICAL, "reboots or halts the host"),
      e("swapon", Category.HOST_CONTROL, Severity.HIGH, "changes the host's swap"),
      e("swapoff", Category.HOST_CONTROL, Severity.HIGH, "changes the host's swap"),
      e("acct", Category.HOST_CONTROL, Severity.HIGH, "switches host-wide process accounting"),
      e("quotactl", Category.HOST_CONTROL, Severity.HIGH, "changes host filesystem quotas"),
      e("syslog", Category.HOST_CONTROL, Severity.HIGH, "reads the host kernel log (addresses defeat KASLR)"),
      e("init_module", Category.KERNEL_MODULES, Severity.CRITICAL, "loads code into the host kernel"),
      e("finit_module", Category.KERNEL_MODULES, Severity.CRITICAL, "loads code into the host kernel"),
      e("delete_module", Category.KERNEL_MODULES, Severity.CRITICAL, "unloads host kernel modules"),
      e("ptrace", Category.CROSS_PROCESS, Severity.CRITICAL, "reads and writes another process's memory and registers"),
      e("process_vm_readv", Category.CROSS_PROCESS, Severity.CRITICAL, "reads another process's memory"),
      e("process_vm_writev", Category.CROSS_PROCESS, Severity.CRITICAL, "writes another process's memory"),
      e("kcmp", Category.CROSS_PROCESS, Severity.HIGH, "compares kernel objects of other processes: an information leak"),
      e("pidfd_getfd", Category.CROSS_PROCESS, Severity.CRITICAL, "steals a file descriptor from another process"),
      e("process_madvise", Category.CROSS_PROCESS, Severity.HIGH, "acts on another process's memory"),
      new Entry("socket", Category.RAW_SOCKETS, Severity.HIGH, "raw packets (AF_PACKET), the kernel crypto API (AF_ALG, e.g. CVE-2023-2008 class) or host vsock (AF_VSOCK)", Optional.of(SOCKET_FAMILIES)),
      new Entry("personality", Category.LEGACY_ABI, Severity.HIGH, "non-default personalities switch on legacy kernel paths (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE)",
          Optional.of(new ArgRule(0, Match.NONE_OF, List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL),
              "with any value but PER_LINUX, PER_LINUX32, UNAME26 or the query 0xffffffff"))),
      e("modify_ldt", Category.LEGACY_ABI, Severity.HIGH, "16-bit segments: a past source of kernel bugs (CVE-2015-5157 class)"),
      e("iopl", Category.LEGACY_ABI, Severity.CRITICAL, "direct I/O port access to host hardware"),
      e("ioperm", Category.LEGACY_ABI, Severity.CRITICAL, "direct I/O port access to host hardware"),
      e("clock_settime", Category.TIME_AND_IDENTITY, Severity.HIGH, "changes the host's clock (time is not namespaced)"),
      e("settimeofday", Category.TIME_AND_IDENTITY, Severity.HIGH, "changes the host's clock"),
      e("clock_adjtime", Category.TIME_AND_IDENTITY, Severity.HIGH, "adjusts the host's clock"),
      e("sethostname", Category.TIME_AND_IDENTITY, Severity.HIGH, "renames the host when the uts namespace is shared"),
      e("setdomainname", Category.TIME_AND_IDENTITY, Severity.HIGH, "renames the host's domain when the uts namespace is shared"),
      e("execveat", Category.FILELESS_EXEC, Severity.HIGH, "runs a program from a file descriptor (memfd_create + execveat: fileless execution)"),
      e("open_by_handle_at", Category.HANDLE_ESCAPE, Severity.CRITICAL, "the 'shocker' escape: opens host files by handle"),
      e("name_to_handle_at", Category.HANDLE_ESCAPE, Severity.HIGH, "produces the handles open_by_handle_at uses"),
      e("lookup_dcookie", Category.HOST_CONTROL, Severity.HIGH, "profiling interface that names host paths"));

  private DangerousSyscalls() {}

  private static Entry e(String call, Category c, Severity s, String why) {
    return new Entry(call, c, s, why, Optional.empty());
  }

  public static List<Entry> all() {
    return ENTRIES;
  }

  /** The catalogue row for a call number, if the call is catalogued. */
  public static Optional<Entry> byNumber(int nr) {
    return ENTRIES.stream().filter(x -> x.number() == nr).findFirst();
  }

  public static Optional<Entry> byName(String name) {
    return ENTRIES.stream().filter(x -> x.syscall().equals(name)).findFirst();
  }
}
