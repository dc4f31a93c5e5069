package dev.acgs.sandbox.runtime.image;

import java.time.Instant;
import java.util.List;

/**
 * What an image holds, stored beside its rootfs as manifest.json.
 *
 * @param digest {@code sha256:HEX} over every path, mode, link target and file content
 * @param sizeBytes bytes of file content
 * @param packages Debian packages installed, as {@code name=version}
 * @param builder the command that built it
 */
public record ImageManifest(
    String name, String digest, long sizeBytes, List<String> packages, Instant createdAt, String builder) {}
