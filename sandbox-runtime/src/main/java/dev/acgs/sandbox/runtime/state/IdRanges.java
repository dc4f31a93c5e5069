package dev.acgs.sandbox.runtime.state;

import dev.acgs.sandbox.runtime.SandboxFailedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands out host id ranges for user namespaces, one range of 65536 ids per sandbox, so no two
 * sandboxes share a host uid (a process of one cannot signal, ptrace or out-count another's). A
 * range is taken by creating {@code idranges/N} exclusively, which is safe across processes.
 */
public final class IdRanges {
  /** Host ids below this are left alone (system and login users, subuid ranges). */
  public static final long BASE = 1L << 30;

  public static final long SIZE = 65536;
  public static final int COUNT = 16384;

  private final Path dir;

  public IdRanges(Path dir) {
    this.dir = dir;
  }

  public static long hostBase(int range) {
    return BASE + range * SIZE;
  }

  /** Takes a free range for {@code sandboxId}. */
  public int acquire(String sandboxId) {
    int start = Math.floorMod(sandboxId.hashCode(), COUNT);
    for (int i = 0; i < COUNT; i++) {
      int n = (start + i) % COUNT;
      try {
        Files.writeString(dir.resolve(Integer.toString(n)), sandboxId, StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        return n;
      } catch (FileAlreadyExistsException taken) {
        // try the next one
      } catch (IOException e) {
        throw new SandboxFailedException("cannot take an id range in " + dir + ": " + e.getMessage(), e);
      }
    }
    throw new SandboxFailedException("all " + COUNT + " id ranges are taken: remove sandboxes (`sandboxctl ps`, `sandboxctl rm`)");
  }

  public void release(int range) {
    try {
      Files.deleteIfExists(dir.resolve(Integer.toString(range)));
    } catch (IOException e) {
      throw new SandboxFailedException("cannot release id range " + range + ": " + e.getMessage(), e);
    }
  }

  /** Releases ranges whose sandbox bundle (or bundle being made) no longer exists. Returns how many. */
  public int releaseStale(Path sandboxesDir) {
    int n = 0;
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String owner = Files.readString(f, StandardCharsets.UTF_8).strip();
        // a sandbox being made has its directory under a temporary name (OciRuntime.CREATING_PREFIX)
        if (owner.isEmpty() || !Files.isDirectory(sandboxesDir.resolve(owner)) && !beingMade(sandboxesDir, owner)) {
          Files.deleteIfExists(f);
          n++;
        }
      }
    } catch (IOException e) {
      throw new SandboxFailedException("cannot scan " + dir + ": " + e.getMessage(), e);
    }
    return n;
  }

  /** A bundle of this id being made: {@code .creating-PID-ID} (OciRuntime). */
  private static boolean beingMade(Path sandboxesDir, String id) throws IOException {
    try (var files = Files.list(sandboxesDir)) {
      return files.map(f -> f.getFileName().toString()).anyMatch(n -> n.startsWith(".creating-") && n.endsWith("-" + id));
    }
  }
}
