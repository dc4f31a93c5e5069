package dev.acgs.sandbox.server.store;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What the controller remembers of one sandbox; survives restarts.
 *
 * @param state creating, running, deleted, failed, lost (gone after a controller crash), expired
 * @param reason why it ended (user, ttl, idle, timeout, oom, failed, lost, shutdown), if it did
 */
public record SandboxRecord(
    String id,
    String tenant,
    String runtime,
    Optional<String> template,
    String image,
    String state,
    long memoryBytes,
    Map<String, String> labels,
    Instant createdAt,
    Instant updatedAt,
    Optional<Instant> expiresAt,
    Optional<Long> idleTimeoutMs,
    Optional<String> reason) {

  public SandboxRecord withState(String newState, Optional<String> why) {
    return new SandboxRecord(id, tenant, runtime, template, image, newState, memoryBytes, labels, createdAt,
        Instant.now(), expiresAt, idleTimeoutMs, why);
  }

  public boolean isLive() {
    return state.equals("creating") || state.equals("running");
  }
}
