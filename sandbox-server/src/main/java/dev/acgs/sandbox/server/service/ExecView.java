package dev.acgs.sandbox.server.service;

import java.util.List;
import java.util.Map;

/** What one command did, as the API returns it. Output is UTF-8 text, bounded; truncation is flagged. */
public record ExecView(
    int exitCode,
    Integer signal,
    String stdout,
    String stderr,
    boolean stdoutTruncated,
    boolean stderrTruncated,
    double durationMs,
    String termination,
    List<Map<String, Object>> violations,
    String sandboxId) {}
