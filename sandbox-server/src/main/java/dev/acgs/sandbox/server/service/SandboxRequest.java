package dev.acgs.sandbox.server.service;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The body of {@code POST /v1/sandboxes}; every field is optional. */
public record SandboxRequest(
    Optional<String> template,
    Optional<String> image,
    Optional<String> runtime,
    Optional<LimitsRequest> limits,
    Optional<Map<String, String>> env,
    Optional<String> network,
    Optional<String> seccompProfile,
    Optional<String> ttl,
    Optional<String> idleTimeout,
    Optional<Map<String, String>> labels) {

  public static SandboxRequest empty() {
    return new SandboxRequest(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Limits a request asks for; what is absent comes from the template or the defaults. */
  public record LimitsRequest(
      Optional<Double> cpus, Optional<String> memory, Optional<Integer> pids, Optional<String> tmpSize,
      Optional<Integer> openFiles, Optional<String> timeout) {}

  /** The body of {@code POST /v1/sandboxes/{id}/exec}: argv, or code and language. */
  public record CommandRequest(
      Optional<List<String>> argv,
      Optional<String> code,
      Optional<String> language,
      Optional<String> stdin,
      Optional<Map<String, String>> env,
      Optional<String> workingDir,
      Optional<String> timeout,
      Optional<Long> maxOutputBytes) {}

  /** The body of {@code POST /v1/run}: a sandbox request and a command in one. */
  public record RunRequest(
      Optional<String> template,
      Optional<String> image,
      Optional<String> runtime,
      Optional<LimitsRequest> limits,
      Optional<String> seccompProfile,
      Optional<List<String>> argv,
      Optional<String> code,
      Optional<String> language,
      Optional<String> stdin,
      Optional<Map<String, String>> env,
      Optional<String> timeout,
      Optional<Long> maxOutputBytes) {

    SandboxRequest sandbox() {
      return new SandboxRequest(template, image, runtime, limits, Optional.empty(), Optional.empty(), seccompProfile,
          Optional.empty(), Optional.empty(), Optional.of(Map.of("origin", "run")));
    }

    CommandRequest command() {
      return new CommandRequest(argv, code, language, stdin, env, Optional.empty(), timeout, maxOutputBytes);
    }
  }
}
