package dev.acgs.sandbox.core.seccomp;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.acgs.sandbox.core.InvalidSpecException;
import java.util.List;
import java.util.Set;

/**
 * A seccomp profile in the OCI runtime-spec / Docker JSON form ({@code linux.seccomp}).
 *
 * @param defaultAction action for calls no rule matches, e.g. {@code SCMP_ACT_ERRNO}
 * @param defaultErrnoRet errno returned by a default ERRNO action (EPERM when absent)
 * @param architectures {@code SCMP_ARCH_*} names the filter applies to
 * @param syscalls rules, first match of the most specific kind wins as libseccomp orders them
 * @param listenerPath where the runtime sends the seccomp notification fd ({@code SCMP_ACT_NOTIFY}), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SeccompProfile(
    String defaultAction, Integer defaultErrnoRet, List<String> architectures, List<Rule> syscalls, String listenerPath) {

  public SeccompProfile(String defaultAction, Integer defaultErrnoRet, List<String> architectures, List<Rule> syscalls) {
    this(defaultAction, defaultErrnoRet, architectures, syscalls, null);
  }

  public static final Set<String> ACTIONS =
      Set.of(
          "SCMP_ACT_KILL",
          "SCMP_ACT_KILL_PROCESS",
          "SCMP_ACT_KILL_THREAD",
          "SCMP_ACT_TRAP",
          "SCMP_ACT_ERRNO",
          "SCMP_ACT_TRACE",
          "SCMP_ACT_ALLOW",
          "SCMP_ACT_LOG",
          "SCMP_ACT_NOTIFY");

  public static final Set<String> OPERATORS =
      Set.of(
          "SCMP_CMP_NE",
          "SCMP_CMP_LT",
          "SCMP_CMP_LE",
          "SCMP_CMP_EQ",
          "SCMP_CMP_GE",
          "SCMP_CMP_GT",
          "SCMP_CMP_MASKED_EQ");

  public SeccompProfile {
    architectures = List.copyOf(architectures == null ? List.of() : architectures);
    syscalls = List.copyOf(syscalls == null ? List.of() : syscalls);
    if (!ACTIONS.contains(defaultAction)) {
      throw new InvalidSpecException("seccomp.defaultAction", "'" + defaultAction + "' is not one of " + ACTIONS);
    }
    // Runtimes resolve two unconditional rules for one call differently (runc: the allow wins;
    // gVisor: the deny wins), so such a profile is refused rather than guessed at.
    java.util.Map<String, String> unconditional = new java.util.HashMap<>();
    for (Rule r : syscalls) {
      if (r.args() != null) {
        continue;
      }
      for (String n : r.names()) {
        String other = unconditional.putIfAbsent(n, r.action());
        if (other != null) {
          throw new InvalidSpecException("seccomp.syscalls", "'" + n + "' has two unconditional rules (" + other + " and "
              + r.action() + "): keep one");
        }
      }
    }
  }

  /** What the filter answers one call: an action and, for ERRNO, the errno. */
  public record Decision(String action, int errno) {
    public boolean allowed() {
      return action.equals("SCMP_ACT_ALLOW") || action.equals("SCMP_ACT_LOG");
    }
  }

  /** libseccomp's precedence when several rules match one call: the most restrictive action wins. */
  private static final List<String> PRECEDENCE = List.of("SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_ALLOW");

  /**
   * What this profile decides for the call numbered {@code number} with these arguments (missing
   * ones are zero): the matching rule with the most restrictive action, else the default action.
   */
  public Decision decide(int number, long... args) {
    String name = Syscalls.name(number).orElse(null);
    Decision best = null;
    for (Rule r : syscalls) {
      if (name == null || !r.names().contains(name) || !r.matches(args)) {
        continue;
      }
      Decision d = new Decision(r.action(), r.errnoRet() == null ? SeccompProfiles.EPERM : r.errnoRet());
      if (best == null || PRECEDENCE.indexOf(d.action()) < PRECEDENCE.indexOf(best.action())) {
        best = d;
      }
    }
    return best != null ? best
        : new Decision(defaultAction, defaultErrnoRet == null ? SeccompProfiles.EPERM : defaultErrnoRet);
  }

  /**
   * One rule: the named calls get {@code action} when all {@code args} conditions hold.
   *
   * @param names system call names; each must exist on x86_64
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Rule(List<String> names, String action, Integer errnoRet, List<Arg> args) {
    public Rule {
      names = List.copyOf(names);
      args = args == null || args.isEmpty() ? null : List.copyOf(args);
      if (names.isEmpty()) {
        throw new InvalidSpecException("seccomp.syscalls", "a rule names no system call");
      }
      for (String n : names) {
        if (!Syscalls.exists(n)) {
          throw new InvalidSpecException(
              "seccomp.syscalls", "'" + n + "' is not an x86_64 system call (rule with action " + action + ")");
        }
      }
      if (!ACTIONS.contains(action)) {
        throw new InvalidSpecException(
            "seccomp.syscalls", "action '" + action + "' of the rule for " + names + " is not one of " + ACTIONS);
      }
    }

    /** Whether every condition holds for these arguments (missing ones are zero). */
    boolean matches(long... values) {
      if (args == null) {
        return true;
      }
      return args.stream().allMatch(a -> a.holds(a.index() < values.length ? values[a.index()] : 0));
    }

    public static Rule allow(List<String> names) {
      return new Rule(names, "SCMP_ACT_ALLOW", null, null);
    }
  }

  /**
   * A condition on one argument: {@code arg op value}; for MASKED_EQ, as libseccomp and the OCI spec
   * define it, {@code (arg & value) == valueTwo} (value is the mask).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Arg(int index, long value, Long valueTwo, String op) {
    public Arg {
      if (index < 0 || index > 5) {
        throw new InvalidSpecException("seccomp.args.index", "must be 0..5 (got " + index + ")");
      }
      if (!OPERATORS.contains(op)) {
        throw new InvalidSpecException("seccomp.args.op", "'" + op + "' is not one of " + OPERATORS);
      }
    }

    /** Compares as the kernel filter does: unsigned 64-bit. */
    public boolean holds(long arg) {
      return switch (op) {
        case "SCMP_CMP_NE" -> arg != value;
        case "SCMP_CMP_LT" -> Long.compareUnsigned(arg, value) < 0;
        case "SCMP_CMP_LE" -> Long.compareUnsigned(arg, value) <= 0;
        case "SCMP_CMP_EQ" -> arg == value;
        case "SCMP_CMP_GE" -> Long.compareUnsigned(arg, value) >= 0;
        case "SCMP_CMP_GT" -> Long.compareUnsigned(arg, value) > 0;
        case "SCMP_CMP_MASKED_EQ" -> (arg & value) == (valueTwo == null ? 0 : valueTwo);
        default -> throw new IllegalStateException(op);
      };
    }

    public static Arg eq(int index, long value) {
      return new Arg(index, value, null, "SCMP_CMP_EQ");
    }

    public static Arg maskedEq(int index, long mask, long expected) {
      return new Arg(index, mask, expected, "SCMP_CMP_MASKED_EQ");
    }
  }
}
