package dev.acgs.sandbox.runtime.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds host executables in PATH and the sbin directories root's PATH may lack. */
public final class Binaries {
  private Binaries() {}

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
