package dev.acgs.sandbox.runtime.agent;

import dev.acgs.sandbox.runtime.SandboxFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The sandbox agent ({@code acgs-init}, built from src/main/c by the Maven build) installed under
 * {@code STATE/agent/DIGEST/init}: one directory per agent version, so sandboxes started by an older
 * build keep theirs. The directory is bind-mounted read-only into every sandbox.
 */
public final class AgentBinary {
  private static final String RESOURCE = "acgs-init";

  private AgentBinary() {}

  /** Installs the agent if needed; returns the directory to mount. */
  public static Path install(Path agentRoot) {
    byte[] bytes;
    try (InputStream in = AgentBinary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new SandboxFailedException(
            "the sandbox agent binary is missing from this build: rebuild with ./mvnw package (gcc is needed)");
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new SandboxFailedException("cannot read the sandbox agent: " + e.getMessage(), e);
    }
    String digest;
    try {
      digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path dir = agentRoot.resolve(digest);
    Path target = dir.resolve("init");
    if (Files.isRegularFile(target)) {
      return dir;
    }
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
      Path tmp = Files.createTempFile(agentRoot, "init", ".tmp");
      Files.write(tmp, bytes);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return dir;
    } catch (IOException e) {
      throw new SandboxFailedException("cannot install the sandbox agent in " + dir + ": " + e.getMessage(), e);
    }
  }
}
