package dev.acgs.sandbox.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/** The audit log's hash chain: how hashes are made and how a whole log is verified. */
public final class AuditLog {
  /** The "previous hash" of the first event. */
  public static final String GENESIS = "0".repeat(64);

  private AuditLog() {}

  /** SHA-256 over the previous hash and the event's fields, each terminated by a newline. */
  public static String hashOf(String prevHash, long seq, String time, String type, String tenant, String sandboxId,
      String data) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {prevHash, Long.toString(seq), time, type, tenant, sandboxId, data}) {
        md.update(part.getBytes(StandardCharsets.UTF_8));
        md.update((byte) '\n');
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static AuditEvent fromRow(ResultSet rs) throws SQLException, IOException {
    return new AuditEvent(rs.getLong("seq"), Instant.parse(rs.getString("time")), rs.getString("type"),
        rs.getString("tenant"), rs.getString("sandbox_id"), Store.JSON.readTree(rs.getString("data")),
        rs.getString("prev_hash"), rs.getString("hash"));
  }

  /**
   * The outcome of a verification.
   *
   * @param events how many events were checked
   * @param firstBad the first event that does not fit the chain, and why; empty when intact
   */
  public record Verification(long events, Optional<String> firstBad) {
    public boolean intact() {
      return firstBad.isEmpty();
    }
  }

  /** Re-computes the whole chain of the database at {@code file}, read-only. */
  public static Verification verify(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new StoreException("no controller database at " + file + " (is --state-dir right?)", null);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro", new java.util.Properties());
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT seq, time, type, tenant, sandbox_id, data, prev_hash, hash FROM events ORDER BY rowid")) {
      String prev = GENESIS;
      long expectedSeq = 1;
      long n = 0;
      while (rs.next()) {
        n++;
        long seq = rs.getLong(1);
        String where = "event " + seq;
        if (seq != expectedSeq) {
          return new Verification(n, Optional.of(where + ": expected event " + expectedSeq
              + " here; events were removed or reordered"));
        }
        if (!prev.equals(rs.getString(7))) {
          return new Verification(n, Optional.of(where + ": its previous-hash does not match event " + (seq - 1)
              + "; events were removed, reordered or edited"));
        }
        String recomputed = hashOf(prev, seq, rs.getString(2), rs.getString(3), nz(rs.getString(4)),
            nz(rs.getString(5)), rs.getString(6));
        if (!recomputed.equals(rs.getString(8))) {
          return new Verification(n, Optional.of(where + " (" + rs.getString(3) + "): its content does not match its"
              + " hash; it was edited"));
        }
        prev = rs.getString(8);
        expectedSeq++;
      }
      Path head = file.resolveSibling(file.getFileName() + ".audit-head");
      if (Files.isRegularFile(head)) {
        String[] h = Files.readString(head).strip().split(" ");
        long headSeq = Long.parseLong(h[0]);
        if (headSeq > expectedSeq - 1) {
          return new Verification(n, Optional.of("event " + expectedSeq + ": missing; the log ended at event "
              + (expectedSeq - 1) + " but event " + headSeq + " was written; events were removed from the end"));
        }
        if (headSeq == expectedSeq - 1 && !h[1].equals(prev)) {
          return new Verification(n, Optional.of("event " + headSeq + ": its hash differs from the recorded head"));
        }
      }
      return new Verification(n, Optional.empty());
    } catch (SQLException | IOException | RuntimeException e) {
      throw new StoreException("cannot verify " + file + ": " + e.getMessage(), e);
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
