package dev.acgs.sandbox.runtime.state;

import dev.acgs.sandbox.runtime.SandboxFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The state directory:
 *
 * <pre>
 * STATE/images/sha256/HEX/{rootfs/,manifest.json}   content-addressed, read-only images
 * STATE/images/names/NAME                           NAME -&gt; digest
 * STATE/agent/HEX/init                              the sandbox agent binary, mounted read-only
 * STATE/sandboxes/ID/{config.json,owner.json,...}  one bundle per sandbox
 * STATE/idranges/N                                  user-namespace id range N is taken (runc)
 * </pre>
 */
public record StateLayout(Path root) {

  public Path images() {
    return root.resolve("images");
  }

  public Path agent() {
    return root.resolve("agent");
  }

  public Path sandboxes() {
    return root.resolve("sandboxes");
  }

  public Path sandbox(String id) {
    return sandboxes().resolve(id);
  }

  public Path idRanges() {
    return root.resolve("idranges");
  }

  /** Creates the directories (mode 0711: the agent and images must be reachable by sandbox users). */
  public StateLayout ensure() {
    try {
      for (Path p : new Path[] {root, images(), agent(), sandboxes(), idRanges()}) {
        if (!Files.isDirectory(p)) {
          Files.createDirectories(p);
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
      }
      return this;
    } catch (IOException e) {
      throw new SandboxFailedException(
          "cannot use the state directory " + root + ": " + e.getMessage()
              + " (run as root, or pick another with --state-dir)", e);
    }
  }

  public static void deleteTree(Path p) {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (IOException e) {
      throw new SandboxFailedException("cannot remove " + p + ": " + e.getMessage(), e);
    }
  }
}
