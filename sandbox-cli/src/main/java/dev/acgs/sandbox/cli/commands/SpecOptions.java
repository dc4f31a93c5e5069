package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.Durations;
import dev.acgs.sandbox.core.model.LimitMaxima;
import dev.acgs.sandbox.core.model.NetworkPolicy;
import dev.acgs.sandbox.core.model.ResourceLimits;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import dev.acgs.sandbox.runtime.RuntimeKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options that describe a sandbox, shared by run, create and bench. Parsed into a validated {@link SandboxSpec}. */
public final class SpecOptions {
  @Option(names = "--runtime", paramLabel = "gvisor|runc", defaultValue = "gvisor",
      description = "Isolation: gvisor (user-space kernel, default) or runc (hardened container).")
  String runtime;

  @Option(names = "--image", paramLabel = "NAME", defaultValue = "default",
      description = "Image to run (see `sandboxctl image ls`; default: ${DEFAULT-VALUE}).")
  String image;

  @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "512m",
      description = "Memory limit incl. /tmp, e.g. 256m, 1g (default: ${DEFAULT-VALUE}).")
  String memory;

  @Option(names = "--cpus", paramLabel = "N", defaultValue = "1",
      description = "CPU quota in cores, e.g. 0.5 (default: ${DEFAULT-VALUE}).")
  String cpus;

  @Option(names = "--pids", paramLabel = "N", defaultValue = "128",
      description = "Most processes and threads at once (default: ${DEFAULT-VALUE}).")
  String pids;

  @Option(names = "--tmp-size", paramLabel = "SIZE", defaultValue = "64m",
      description = "Size of the writable, non-executable /tmp (default: ${DEFAULT-VALUE}).")
  String tmpSize;

  @Option(names = "--open-files", paramLabel = "N", defaultValue = "1024",
      description = "Most open files per process (default: ${DEFAULT-VALUE}).")
  String openFiles;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
      description = "Wall-clock limit of the command, e.g. 10s, 2m; then the sandbox is killed (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--network", paramLabel = "POLICY", defaultValue = "none",
      description = "Network policy; only 'none' (loopback only) exists (default: ${DEFAULT-VALUE}).")
  String network;

  @Option(names = "--profile", paramLabel = "NAME|FILE", defaultValue = "enhanced",
      description = "Seccomp profile: enhanced (deny by default, no dangerous-catalogue call; the default), baseline"
          + " (Docker's default, all capabilities dropped), strict (the brief's 15 calls: nothing starts), or an"
          + " OCI/Docker profile FILE (see `sandboxctl profile`).")
  String profile;

  @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Set an environment variable (repeatable). The host's environment is never passed.")
  List<String> env = List.of();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", defaultValue = "/tmp",
      description = "Working directory inside the sandbox (default: ${DEFAULT-VALUE}).")
  String workdir;

  @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Attach a label (repeatable).")
  List<String> labels = List.of();

  public RuntimeKind runtimeKind() {
    return RuntimeKind.parse(runtime);
  }

  public SandboxSpec toSpec(List<String> command) {
    ResourceLimits limits = new ResourceLimits(
        parseDouble("--cpus", cpus),
        ByteSize.parse("--memory", memory),
        parseInt("--pids", pids),
        ByteSize.parse("--tmp-size", tmpSize),
        parseInt("--open-files", openFiles),
        Durations.parsePositive("--timeout", timeout));
    limits.requireWithin(LimitMaxima.DEFAULT);
    SandboxSpec.Builder b = SandboxSpec.builder()
        .image(image)
        .command(command)
        .env(pairs("--env", env))
        .workingDir(workdir)
        .limits(limits)
        .network(NetworkPolicy.parse("--network", network))
        .labels(pairs("--label", labels));
    return withProfile(b, profile).build();
  }

  /** Sets a built-in profile by name, or loads a profile FILE; an unknown name lists the built-in ones. */
  static SandboxSpec.Builder withProfile(SandboxSpec.Builder b, String profile) {
    if (SeccompProfiles.names().contains(profile)) {
      return b.seccompProfile(profile);
    } else if (profile.contains("/") || profile.endsWith(".json") || java.nio.file.Files.exists(java.nio.file.Path.of(profile))) {
      return b.seccompProfile(SeccompProfiles.load(java.nio.file.Path.of(profile)));
    }
    SeccompProfiles.byName(profile); // throws, listing the built-in profiles
    return b;
  }

  static Map<String, String> pairs(String option, List<String> items) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new InvalidSpecException(option, "'" + item + "' must be NAME=VALUE");
      }
      out.put(item.substring(0, eq), item.substring(eq + 1));
    }
    return out;
  }

  static int parseInt(String option, String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(option, "'" + text + "' is not a whole number");
    }
  }

  static double parseDouble(String option, String text) {
    try {
      double d = Double.parseDouble(text.trim());
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(option, "'" + text + "' is not a number (e.g. 1 or 0.5)");
    }
  }
}
