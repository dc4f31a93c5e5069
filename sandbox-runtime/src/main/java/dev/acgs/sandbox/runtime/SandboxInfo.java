package dev.acgs.sandbox.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * One line of {@code sandboxctl ps}.
 *
 * @param status the runtime's word: created, running, stopped, or missing when only the bundle is left
 * @param owner "detached", or the pid of the process that owns it
 */
public record SandboxInfo(
    String id, RuntimeKind runtime, String status, String image, Instant createdAt, String owner,
    Map<String, String> labels) {}
