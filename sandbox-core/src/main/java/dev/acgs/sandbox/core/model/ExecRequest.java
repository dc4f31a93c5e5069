package dev.acgs.sandbox.core.model;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One command to run inside a running sandbox.
 *
 * @param argv program and arguments; the program is looked up in PATH
 * @param env added to (and overriding) the sandbox's environment
 * @param workingDir absolute directory, or empty for the sandbox's working directory
 * @param timeout wall-clock limit; when it passes the whole sandbox is killed
 * @param maxOutputBytes bound on captured stdout and on stderr, each; more is discarded and flagged
 */
public record ExecRequest(
    List<String> argv, Map<String, String> env, Optional<String> workingDir, Duration timeout, long maxOutputBytes) {

  public static final long DEFAULT_MAX_OUTPUT = 1024 * 1024;
  public static final long MAX_MAX_OUTPUT = 64L * 1024 * 1024;

  public ExecRequest {
    argv = List.copyOf(argv == null ? List.of() : argv);
    env = Map.copyOf(env == null ? Map.of() : env);
    workingDir = workingDir == null ? Optional.empty() : workingDir;
    if (argv.isEmpty()) {
      throw new InvalidSpecException("argv", "must name a program to run");
    }
    SandboxSpec.validateCommandAndEnv(argv, env);
    workingDir.ifPresent(SandboxSpec::validateWorkingDir);
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new InvalidSpecException("timeout", "must be positive");
    }
    if (maxOutputBytes < 1 || maxOutputBytes > MAX_MAX_OUTPUT) {
      throw new InvalidSpecException(
          "maxOutputBytes", "must be between 1 and " + MAX_MAX_OUTPUT + " (got " + maxOutputBytes + ")");
    }
  }

  public static ExecRequest of(Duration timeout, String... argv) {
    return new ExecRequest(List.of(argv), Map.of(), Optional.empty(), timeout, DEFAULT_MAX_OUTPUT);
  }

  public ExecRequest withMaxOutputBytes(long v) {
    return new ExecRequest(argv, env, workingDir, timeout, v);
  }

  public ExecRequest withEnv(Map<String, String> v) {
    return new ExecRequest(argv, v, workingDir, timeout, maxOutputBytes);
  }
}
