package dev.acgs.sandbox.server.service;

import java.time.Instant;
import java.util.Map;

/** A sandbox as the API shows it. */
public record SandboxView(
    String id,
    String state,
    String runtime,
    String template,
    String image,
    Map<String, String> labels,
    Instant createdAt,
    Instant expiresAt,
    Long idleTimeoutMs,
    String reason,
    Timings timings) {

  /** How the sandbox came to be: started fresh, or taken from a warm pool. */
  public record Timings(double readyMs, boolean fromPool) {}
}
