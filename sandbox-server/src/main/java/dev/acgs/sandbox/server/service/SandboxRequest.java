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

  /** Limits a request (or a template in the config file) asks for; what is absent comes from {@code base}. */
  public record LimitsRequest(
      Optional<Double> cpus, Optional<String> memory, Optional<Integer> pids, Optional<String> tmpSize,
      Optional<Integer> openFiles, Optional<String> timeout) {

    /** {@code base} with what this asks for applied; {@code field} prefixes error messages. */
    public dev.acgs.sandbox.core.model.ResourceLimits applyTo(dev.acgs.sandbox.core.model.ResourceLimits base, String field) {
      dev.acgs.sandbox.core.model.ResourceLimits r = base;
      if (cpus.isPresent()) {
        r = r.withCpus(cpus.get());
      }
      if (memory.isPresent()) {
        r = r.withMemory(dev.acgs.sandbox.core.model.ByteSize.parse(field + ".memory", memory.get()));
      }
      if (pids.isPresent()) {
        r = r.withPids(pids.get());
      }
      if (tmpSize.isPresent()) {
        r = r.withTmpSize(dev.acgs.sandbox.core.model.ByteSize.parse(field + ".tmpSize", tmpSize.get()));
      }
      if (openFiles.isPresent()) {
        r = r.withOpenFiles(openFiles.get());
      }
      if (timeout.isPresent()) {
        r = r.withTimeout(dev.acgs.sandbox.core.model.Durations.parsePositive(field + ".timeout", timeout.get()));
      }
      return r;
    }
  }

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
