package dev.acgs.sandbox.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The controller's embedded database: SQLite in WAL mode with {@code synchronous=FULL}, so a
 * committed row is on disk before the call returns. Holds sandbox records and the hash-chained
 * audit log; a state change and its audit event are committed in one transaction.
 *
 * <p>The chain's head (last sequence number and hash) is also written, synced, to
 * {@code audit.head} beside the database, so removing events from the end is detected too.
 */
public final class Store implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

  private final Path file;
  private final Path headFile;
  private final Connection db;
  private String lastHash;
  private long lastSeq;

  private Store(Path file, Connection db) throws SQLException {
    this.file = file;
    this.headFile = file.resolveSibling(file.getFileName() + ".audit-head");
    this.db = db;
    try (ResultSet rs = db.createStatement().executeQuery("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")) {
      if (rs.next()) {
        lastSeq = rs.getLong(1);
        lastHash = rs.getString(2);
      } else {
        lastSeq = 0;
        lastHash = AuditLog.GENESIS;
      }
    }
  }

  public static Store open(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=FULL");
        st.execute("PRAGMA busy_timeout=10000");
        st.execute("""
            CREATE TABLE IF NOT EXISTS sandboxes (
              id TEXT PRIMARY KEY, tenant TEXT NOT NULL, runtime TEXT NOT NULL, template TEXT,
              image TEXT NOT NULL, state TEXT NOT NULL, memory_bytes INTEGER NOT NULL, labels TEXT NOT NULL,
              created_at TEXT NOT NULL, updated_at TEXT NOT NULL, expires_at TEXT, idle_timeout_ms INTEGER,
              reason TEXT)""");
        st.execute("""
            CREATE TABLE IF NOT EXISTS events (
              seq INTEGER PRIMARY KEY, time TEXT NOT NULL, type TEXT NOT NULL, tenant TEXT, sandbox_id TEXT,
              data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""");
        st.execute("CREATE INDEX IF NOT EXISTS events_tenant ON events(tenant, seq)");
      }
      c.setAutoCommit(false);
      return new Store(file, c);
    } catch (SQLException | IOException e) {
      throw new StoreException("cannot open the controller database " + file + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /** Saves the record (insert or replace) and appends its audit event, atomically and durably. */
  private volatile dev.acgs.sandbox.core.metrics.SandboxMetrics metrics = dev.acgs.sandbox.core.metrics.SandboxMetrics.NONE;

  /** Where the time of each durable write is reported. */
  public void metrics(dev.acgs.sandbox.core.metrics.SandboxMetrics m) {
    metrics = m;
  }

  public synchronized AuditEvent save(Optional<SandboxRecord> record, String type, Optional<String> tenant,
      Optional<String> sandboxId, Map<String, ?> data) {
    long t0 = System.nanoTime();
    try {
      if (record.isPresent()) {
        upsert(record.get());
      }
      AuditEvent e = appendEvent(type, tenant, sandboxId, JSON.valueToTree(data));
      db.commit();
      lastSeq = e.seq();
      lastHash = e.hash();
      writeHead();
      metrics.auditWritten(java.time.Duration.ofNanos(System.nanoTime() - t0));
      return e;
    } catch (SQLException | IOException e) {
      try {
        db.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new StoreException("cannot write to " + file + ": " + e.getMessage(), e);
    }
  }

  private void upsert(SandboxRecord r) throws SQLException, JsonProcessingException {
    try (PreparedStatement ps = db.prepareStatement(
        "INSERT OR REPLACE INTO sandboxes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
      ps.setString(1, r.id());
      ps.setString(2, r.tenant());
      ps.setString(3, r.runtime());
      ps.setString(4, r.template().orElse(null));
      ps.setString(5, r.image());
      ps.setString(6, r.state());
      ps.setLong(7, r.memoryBytes());
      ps.setString(8, JSON.writeValueAsString(r.labels()));
      ps.setString(9, r.createdAt().toString());
      ps.setString(10, r.updatedAt().toString());
      ps.setString(11, r.expiresAt().map(Instant::toString).orElse(null));
      if (r.idleTimeoutMs().isPresent()) {
        ps.setLong(12, r.idleTimeoutMs().get());
      } else {
        ps.setNull(12, java.sql.Types.INTEGER);
      }
      ps.setString(13, r.reason().orElse(null));
      ps.executeUpdate();
    }
  }

  private AuditEvent appendEvent(String type, Optional<String> tenant, Optional<String> sandboxId, JsonNode data)
      throws SQLException, JsonProcessingException {
    long seq = lastSeq + 1;
    Instant time = Instant.now();
    String dataText = JSON.writeValueAsString(data);
    String hash = AuditLog.hashOf(lastHash, seq, time.toString(), type, tenant.orElse(""), sandboxId.orElse(""), dataText);
    try (PreparedStatement ps = db.prepareStatement("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)")) {
      ps.setLong(1, seq);
      ps.setString(2, time.toString());
      ps.setString(3, type);
      ps.setString(4, tenant.orElse(null));
      ps.setString(5, sandboxId.orElse(null));
      ps.setString(6, dataText);
      ps.setString(7, lastHash);
      ps.setString(8, hash);
      ps.executeUpdate();
    }
    return new AuditEvent(seq, time, type, tenant.orElse(null), sandboxId.orElse(null), data, lastHash, hash);
  }

  private void writeHead() throws IOException {
    Path tmp = headFile.resolveSibling(headFile.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap((lastSeq + " " + lastHash + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, headFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  public synchronized Optional<SandboxRecord> get(String id) {
    List<SandboxRecord> r = query("SELECT * FROM sandboxes WHERE id = ?", id);
    return r.isEmpty() ? Optional.empty() : Optional.of(r.getFirst());
  }

  public synchronized List<SandboxRecord> byTenant(String tenant) {
    return query("SELECT * FROM sandboxes WHERE tenant = ? ORDER BY created_at", tenant);
  }

  public synchronized List<SandboxRecord> live() {
    return query("SELECT * FROM sandboxes WHERE state IN ('creating','running') ORDER BY created_at");
  }

  private List<SandboxRecord> query(String sql, String... args) {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      List<SandboxRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long idle = rs.getLong("idle_timeout_ms");
          Optional<Long> idleOpt = rs.wasNull() ? Optional.empty() : Optional.of(idle);
          out.add(new SandboxRecord(
              rs.getString("id"), rs.getString("tenant"), rs.getString("runtime"),
              Optional.ofNullable(rs.getString("template")), rs.getString("image"), rs.getString("state"),
              rs.getLong("memory_bytes"),
              JSON.readValue(rs.getString("labels"), new TypeReference<Map<String, String>>() {}),
              Instant.parse(rs.getString("created_at")), Instant.parse(rs.getString("updated_at")),
              Optional.ofNullable(rs.getString("expires_at")).map(Instant::parse), idleOpt,
              Optional.ofNullable(rs.getString("reason"))));
        }
      }
      db.commit();
      return out;
    } catch (SQLException | IOException e) {
      throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Events after {@code since}, oldest first; only the tenant's own when {@code tenant} is given.
   */
  public synchronized List<AuditEvent> events(Optional<String> tenant, long since, Optional<String> type, int limit) {
    StringBuilder sql = new StringBuilder("SELECT * FROM events WHERE seq > ?");
    List<Object> args = new ArrayList<>(List.of(since));
    tenant.ifPresent(t -> {
      sql.append(" AND tenant = ?");
      args.add(t);
    });
    type.ifPresent(t -> {
      sql.append(" AND type = ?");
      args.add(t);
    });
    sql.append(" ORDER BY seq LIMIT ?");
    args.add(limit);
    try (PreparedStatement ps = db.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<AuditEvent> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(AuditLog.fromRow(rs));
        }
      }
      db.commit();
      return out;
    } catch (SQLException | IOException e) {
      throw new StoreException("cannot read events from " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new StoreException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }
}
