package dev.acgs.sandbox.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hash chain catches every kind of tampering with the SQLite file, naming the first bad event. */
class AuditLogTest {
  @TempDir Path dir;
  Path db;

  @BeforeEach
  void writeTenEvents() {
    db = dir.resolve("controller.db");
    try (Store store = Store.open(db)) {
      for (int i = 1; i <= 10; i++) {
        store.save(Optional.empty(), "test.event", Optional.of("alice"), Optional.of("acgs-" + i), Map.of("n", i));
      }
    }
  }

  void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.executeUpdate(statement);
    }
  }

  @Test
  void anUntouchedLogVerifies() {
    AuditLog.Verification v = AuditLog.verify(db);
    assertThat(v.intact()).isTrue();
    assertThat(v.events()).isEqualTo(10);
  }

  @Test
  void anEditedEventIsNamed() throws Exception {
    sql("UPDATE events SET data = '{\"n\":999}' WHERE seq = 4");
    assertThat(AuditLog.verify(db).firstBad()).hasValueSatisfying(m ->
        assertThat(m).startsWith("event 4 (test.event): its content does not match its hash"));
  }

  @Test
  void anEditedTenantIsNamedToo() throws Exception {
    sql("UPDATE events SET tenant = 'mallory' WHERE seq = 7");
    assertThat(AuditLog.verify(db).firstBad()).hasValueSatisfying(m -> assertThat(m).startsWith("event 7"));
  }

  @Test
  void aRemovedEventIsNamed() throws Exception {
    sql("DELETE FROM events WHERE seq = 5");
    assertThat(AuditLog.verify(db).firstBad()).hasValueSatisfying(m ->
        assertThat(m).startsWith("event 6: expected event 5 here"));
  }

  @Test
  void eventsRemovedFromTheEndAreNoticedThroughTheRecordedHead() throws Exception {
    sql("DELETE FROM events WHERE seq >= 9");
    assertThat(AuditLog.verify(db).firstBad()).hasValueSatisfying(m ->
        assertThat(m).startsWith("event 9: missing").contains("event 10 was written"));
  }

  @Test
  void reorderedEventsAreNamed() throws Exception {
    // swap the contents of events 2 and 3 (renumbering keeps sequence numbers contiguous)
    sql("UPDATE events SET seq = -2 WHERE seq = 2");
    sql("UPDATE events SET seq = 2 WHERE seq = 3");
    sql("UPDATE events SET seq = 3 WHERE seq = -2");
    sql("CREATE TABLE e2 AS SELECT * FROM events ORDER BY seq");
    sql("DELETE FROM events");
    sql("INSERT INTO events SELECT * FROM e2 ORDER BY seq");
    assertThat(AuditLog.verify(db).firstBad()).hasValueSatisfying(m -> assertThat(m).startsWith("event 2"));
  }

  @Test
  void aForgedLastEventWithARecomputedHashStillBreaksAtTheRecordedHead() throws Exception {
    // an attacker who edits the last event and recomputes its hash cannot match the synced head file
    String prev;
    String time;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT prev_hash, time FROM events WHERE seq = 10")) {
      assertThat(rs.next()).isTrue();
      prev = rs.getString(1);
      time = rs.getString(2);
    }
    String forged = AuditLog.hashOf(prev, 10, time, "test.event", "alice", "acgs-10", "{\"n\":0}");
    sql("UPDATE events SET data = '{\"n\":0}', hash = '" + forged + "' WHERE seq = 10");
    assertThat(AuditLog.verify(db).firstBad()).hasValue("event 10: its hash differs from the recorded head");
    assertThat(Files.exists(db.resolveSibling("controller.db.audit-head"))).isTrue();
  }
}
