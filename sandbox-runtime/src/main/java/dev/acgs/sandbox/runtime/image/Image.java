package dev.acgs.sandbox.runtime.image;

import java.nio.file.Path;

/** A stored image: its root filesystem, shared read-only by every sandbox started from it. */
public record Image(String name, String digest, Path rootfs, ImageManifest manifest) {}
