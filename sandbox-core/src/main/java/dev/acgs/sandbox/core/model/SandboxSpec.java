package dev.acgs.sandbox.core.model;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import dev.acgs.sandbox.core.monitor.ViolationPolicy;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;

/**
 * Everything that defines one sandbox, fixed when it is created: the spec that launched a sandbox
 * is the spec it keeps. Validated on construction; each message names the field and what is allowed.
 *
 * @param image name of a local image ({@code default}, {@code name:tag}) or {@code sha256:<hex>}
 * @param command the first program to run; empty means "start idle and wait for exec"
 * @param env environment given to every process in the sandbox (the host's is never passed)
 * @param workingDir absolute path inside the sandbox
 * @param user uid/gid of the sandboxed processes, never 0
 * @param limits resource limits
 * @param network network policy
 * @param seccompProfile name of the seccomp profile applied at the kernel boundary ({@code custom}
 *     when {@code customSeccomp} holds the profile itself)
 * @param labels caller's key/value tags, e.g. owner or task id
 * @param customSeccomp a profile loaded from a file, carried in the spec so the sandbox keeps it
 * @param violationPolicy what a denied call leads to (default: terminate on a critical one)
 */
public record SandboxSpec(
    String image,
    List<String> command,
    Map<String, String> env,
    String workingDir,
    SandboxUser user,
    ResourceLimits limits,
    NetworkPolicy network,
    String seccompProfile,
    Map<String, String> labels,
    Optional<SeccompProfile> customSeccomp,
    ViolationPolicy violationPolicy) {

  /** Linux's ARG_MAX-like bound on argv plus environment; item 40 of the attack list. */
  public static final int MAX_ARGS_AND_ENV_BYTES = 128 * 1024;

  public static final String DEFAULT_IMAGE = "default";
  public static final String DEFAULT_SECCOMP_PROFILE = "enhanced";
  public static final String CUSTOM_PROFILE = "custom";

  private static final Pattern IMAGE_NAME =
      Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}(:[A-Za-z0-9._-]{1,64})?|sha256:[0-9a-f]{12,64}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");
  private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?");
  private static final Pattern PROFILE_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  public SandboxSpec {
    if (image == null || !IMAGE_NAME.matcher(image).matches()) {
      throw new InvalidSpecException(
          "image",
          "'" + image + "' is not an image reference: use a local image name such as 'default'"
              + " or 'python:bookworm', or sha256:<digest> (see `sandboxctl image ls`)");
    }
    command = List.copyOf(command == null ? List.of() : command);
    env = Map.copyOf(env == null ? Map.of() : env);
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    user = user == null ? SandboxUser.DEFAULT : user;
    limits = limits == null ? ResourceLimits.DEFAULT : limits;
    network = network == null ? NetworkPolicy.NONE : network;
    seccompProfile = seccompProfile == null ? DEFAULT_SECCOMP_PROFILE : seccompProfile;
    workingDir = workingDir == null ? "/tmp" : workingDir;
    customSeccomp = customSeccomp == null ? Optional.empty() : customSeccomp;
    violationPolicy = violationPolicy == null ? ViolationPolicy.TERMINATE : violationPolicy;
    if (customSeccomp.isPresent() != seccompProfile.equals(CUSTOM_PROFILE)) {
      throw new InvalidSpecException("seccompProfile", "'custom' goes with a loaded profile, and only with one");
    }

    validateCommandAndEnv(command, env);
    validateWorkingDir(workingDir);
    if (!PROFILE_NAME.matcher(seccompProfile).matches()) {
      throw new InvalidSpecException(
          "seccompProfile", "'" + seccompProfile + "' is not a profile name (lower-case letters, digits, '-')");
    }
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (!LABEL_KEY.matcher(l.getKey()).matches()) {
        throw new InvalidSpecException(
            "labels", "key '" + l.getKey() + "' is not valid: letters, digits, '.', '_', '-', '/', at most 128");
      }
      if (l.getValue().length() > 256 || l.getValue().chars().anyMatch(c -> c < 0x20)) {
        throw new InvalidSpecException(
            "labels", "value of '" + l.getKey() + "' must be at most 256 printable characters");
      }
    }
  }

  /** Validates an argv and environment as given to a process in a sandbox. */
  public static void validateCommandAndEnv(List<String> argv, Map<String, String> env) {
    long total = 0;
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      if (a == null || a.indexOf('\0') >= 0) {
        throw new InvalidSpecException("command[" + i + "]", "must not be null or contain a NUL byte");
      }
      total += a.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    if (!argv.isEmpty() && argv.getFirst().isEmpty()) {
      throw new InvalidSpecException("command[0]", "the program name must not be empty");
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        throw new InvalidSpecException(
            "env", "'" + e.getKey() + "' is not a variable name: letters, digits and '_', not starting with a digit");
      }
      if (e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
        throw new InvalidSpecException("env." + e.getKey(), "must not be null or contain a NUL byte");
      }
      total += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length + 2;
    }
    if (total > MAX_ARGS_AND_ENV_BYTES) {
      throw new InvalidSpecException(
          "command", "arguments and environment take " + total + " bytes; at most " + MAX_ARGS_AND_ENV_BYTES
              + " are allowed: pass large data as a file or on stdin");
    }
  }

  static void validateWorkingDir(String dir) {
    if (!dir.startsWith("/") || dir.indexOf('\0') >= 0 || dir.length() > 4096) {
      throw new InvalidSpecException("workingDir", "'" + dir + "' must be an absolute path inside the sandbox");
    }
    for (String part : dir.split("/")) {
      if (part.equals("..")) {
        throw new InvalidSpecException("workingDir", "'" + dir + "' must not contain '..'");
      }
    }
    // CVE-2024-21626 ("Leaky Vessels"): a cwd under /proc/self/fd can point at a host directory.
    if (dir.equals("/proc") || dir.startsWith("/proc/") || dir.equals("/sys") || dir.startsWith("/sys/")) {
      throw new InvalidSpecException("workingDir", "'" + dir + "' is under /proc or /sys, which is never allowed");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .image(image)
        .command(command)
        .env(env)
        .workingDir(workingDir)
        .user(user)
        .limits(limits)
        .network(network)
        .seccompProfile(seccompProfile)
        .customSeccomp(customSeccomp)
        .violationPolicy(violationPolicy)
        .labels(labels);
  }

  /** The profile to install: the loaded one, or the built-in of that name. */
  public SeccompProfile resolveSeccomp() {
    return customSeccomp.orElseGet(() -> SeccompProfiles.byName(seccompProfile));
  }

  /** Collects a spec's fields; {@link #build()} validates them all. */
  public static final class Builder {
    private String image = DEFAULT_IMAGE;
    private List<String> command = List.of();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String workingDir = "/tmp";
    private SandboxUser user = SandboxUser.DEFAULT;
    private ResourceLimits limits = ResourceLimits.DEFAULT;
    private NetworkPolicy network = NetworkPolicy.NONE;
    private String seccompProfile = DEFAULT_SECCOMP_PROFILE;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private Optional<SeccompProfile> customSeccomp = Optional.empty();
    private ViolationPolicy violationPolicy = ViolationPolicy.TERMINATE;

    public Builder violationPolicy(ViolationPolicy v) {
      violationPolicy = v;
      return this;
    }

    private Builder() {}

    /** Uses a profile loaded from a file (name {@code custom}). */
    public Builder seccompProfile(SeccompProfile profile) {
      seccompProfile = CUSTOM_PROFILE;
      customSeccomp = Optional.of(profile);
      return this;
    }

    Builder customSeccomp(Optional<SeccompProfile> v) {
      customSeccomp = v;
      return this;
    }

    public Builder image(String v) {
      image = v;
      return this;
    }

    public Builder command(List<String> v) {
      command = v;
      return this;
    }

    public Builder command(String... v) {
      command = List.of(v);
      return this;
    }

    public Builder env(Map<String, String> v) {
      env.clear();
      env.putAll(v);
      return this;
    }

    public Builder putEnv(String k, String v) {
      env.put(k, v);
      return this;
    }

    public Builder workingDir(String v) {
      workingDir = v;
      return this;
    }

    public Builder user(SandboxUser v) {
      user = v;
      return this;
    }

    public Builder limits(ResourceLimits v) {
      limits = v;
      return this;
    }

    public Builder network(NetworkPolicy v) {
      network = v;
      return this;
    }

    public Builder seccompProfile(String v) {
      seccompProfile = v;
      customSeccomp = Optional.empty();
      return this;
    }

    public Builder labels(Map<String, String> v) {
      labels.clear();
      labels.putAll(v);
      return this;
    }

    public Builder putLabel(String k, String v) {
      labels.put(k, v);
      return this;
    }

    public SandboxSpec build() {
      return new SandboxSpec(image, command, env, workingDir, user, limits, network, seccompProfile, labels, customSeccomp, violationPolicy);
    }
  }
}
