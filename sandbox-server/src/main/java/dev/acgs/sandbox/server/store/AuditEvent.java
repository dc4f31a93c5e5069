package dev.acgs.sandbox.server.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One entry of the audit log. {@code hash} = SHA-256 over the previous event's hash and this
 * event's fields (see {@link AuditLog#hashOf}), so editing, removing or reordering an event breaks
 * the chain from that event on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(
    long seq, Instant time, String type, String tenant, String sandboxId, JsonNode data, String prevHash, String hash) {}
