package io.quiver.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConnectionOptionsTest {
  @Test
  void hostPortAndDefaults() throws Exception {
    ConnectionOptions o = ConnectionOptions.parse("jdbc:quiver://node1", null);
    assertEquals("node1", o.host());
    assertEquals(8815, o.port());
    assertEquals(4, o.parallelism());
    assertEquals(1L << 30, o.maxMemory());
    assertEquals(Duration.ofSeconds(5), o.metadataTtl());

    ConnectionOptions v6 = ConnectionOptions.parse("jdbc:quiver://[::1]:9000/", null);
    assertEquals("::1", v6.host());
    assertEquals(9000, v6.port());
    assertEquals("[::1]:9000", v6.address());
  }

  @Test
  void optionsFromUrlWinOverProperties() throws Exception {
    Properties info = new Properties();
    info.setProperty("parallelism", "2");
    info.setProperty("maxMemory", "512m");
    info.setProperty("user", "ignored");
    ConnectionOptions o =
        ConnectionOptions.parse(
            "jdbc:quiver://h:1?parallelism=8&metadataTtl=500ms&timeZone=UTC", info);
    assertEquals(8, o.parallelism());
    assertEquals(512L << 20, o.maxMemory());
    assertEquals(Duration.ofMillis(500), o.metadataTtl());
    assertEquals("UTC", o.calcite().getProperty("timeZone"));
    Properties p = o.toConnectionProperties();
    assertEquals("false", p.getProperty("caseSensitive"));
    assertEquals(
        o.withoutCalcite(), ConnectionOptions.fromConnectionProperties(p).withoutCalcite());
    // A user without a password is sent as such (a node without authentication ignores it).
    assertEquals("ignored", o.credentials().user());
    assertEquals("", o.credentials().password());
    assertEquals("user ignored", o.credentials().toString());
  }

  @Test
  void durationsAndSizes() throws Exception {
    assertEquals(Duration.ZERO, ConnectionOptions.duration("k", "0"));
    assertEquals(Duration.ofMinutes(2), ConnectionOptions.duration("k", "2m"));
    assertEquals(Duration.ofSeconds(5), ConnectionOptions.duration("k", "5s"));
    assertEquals(2L << 30, ConnectionOptions.bytes("k", "2g"));
    assertEquals(1024, ConnectionOptions.bytes("k", "1kb"));
    assertThrows(SQLException.class, () -> ConnectionOptions.duration("k", "soon"));
    assertThrows(SQLException.class, () -> ConnectionOptions.bytes("k", "-1"));
  }

  @Test
  void badUrlsNameTheProblem() {
    for (String url :
        new String[] {
          "jdbc:quiver:localhost:8815",
          "jdbc:quiver://:8815",
          "jdbc:quiver://h:port",
          "jdbc:quiver://h:70000",
          "jdbc:quiver://h?parallelism",
          "jdbc:quiver://h?parallelism=0"
        }) {
      SQLException e =
          assertThrows(SQLException.class, () -> ConnectionOptions.parse(url, null), url);
      assertEquals("08001", e.getSQLState(), url);
      assertTrue(e.getMessage().length() > 10, url);
    }
  }
}
