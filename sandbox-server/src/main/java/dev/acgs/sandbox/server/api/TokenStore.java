package dev.acgs.sandbox.server.api;

import dev.acgs.sandbox.core.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Bearer tokens, configured only as SHA-256 hashes: a file of lines {@code TENANT SHA256HEX}
 * ({@code #} starts a comment). A presented token is hashed and compared with every entry in
 * constant time; tokens are never stored or logged.
 */
public final class TokenStore {
  private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  private record Entry(String tenant, byte[] hash) {}

  private final List<Entry> entries;

  private TokenStore(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static TokenStore load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SandboxException("cannot read the tokens file " + file + ": " + e.getMessage()
          + " (one line per token: TENANT SHA256HEX-OF-TOKEN)", e);
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+");
      if (f.length != 2 || !TENANT.matcher(f[0]).matches() || !HEX.matcher(f[1].toLowerCase()).matches()) {
        throw new SandboxException(file + " line " + (i + 1) + ": expected 'TENANT SHA256HEX' (tenant: lower-case"
            + " letters, digits, '.', '_', '-'; hash: 64 hex digits, e.g. from `printf %s TOKEN | sha256sum`)");
      }
      entries.add(new Entry(f[0], HexFormat.of().parseHex(f[1].toLowerCase())));
    }
    if (entries.isEmpty()) {
      throw new SandboxException(file + " holds no tokens: add a line 'TENANT SHA256HEX'");
    }
    return new TokenStore(entries);
  }

  public static String sha256Hex(String token) {
    return HexFormat.of().formatHex(sha256(token));
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The tenant of {@code token}; every entry is compared, whatever matches, in constant time. */
  public Optional<String> tenantOf(String token) {
    byte[] presented = sha256(token);
    String found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(presented, e.hash()) && found == null) {
        found = e.tenant();
      }
    }
    return Optional.ofNullable(found);
  }
}
