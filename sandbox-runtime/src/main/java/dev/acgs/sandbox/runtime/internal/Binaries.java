package dev.acgs.sandbox.runtime.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds host executables in PATH and the sbin directories root's PATH may lack. */
public final class Binaries {
  private Binaries() {}

  /**
   * A runtime's binary: {@code $SANDBOXCTL_RUNSC} / {@code $SANDBOXCTL_RUNC} when set (an absolute
   * path; if it is not executable the runtime counts as not installed), else PATH.
   */
  public static Optional<Path> findRuntime(dev.acgs.sandbox.runtime.RuntimeKind kind) {
    String override = System.getenv("SANDBOXCTL_" + kind.binary().toUpperCase(java.util.Locale.ROOT));
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    return find(kind.binary());
  }

  public static Optional<Path> find(String binary) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : (path + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, binary);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
