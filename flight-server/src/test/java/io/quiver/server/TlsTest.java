package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.protocol.ScanCommand;
import io.quiver.storage.Location;
import io.quiver.testing.TestCertificates;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node serving TLS and mutual TLS, read by Flight clients with and without the right keys. */
class TlsTest {
  @TempDir Path tmp;

  private static long rows(FlightClient client) throws Exception {
    FlightInfo info =
        client.getInfo(FlightDescriptor.command(ScanCommand.table("t.orders").toBytes()));
    long n = 0;
    for (var e : info.getEndpoints()) {
      assertTrue(e.getLocations().isEmpty(), "endpoints reuse the (TLS) connection");
      try (FlightStream s = client.getStream(e.getTicket())) {
        while (s.next()) {
          n += s.getRoot().getRowCount();
        }
      }
    }
    return n;
  }

  private static void setUpTable(FlightClient admin, Path lake) {
    String mount =
        "{\"path\": \"/lake\", \"uri\": \"" + Location.ofLocalPath(lake) + "\", \"options\": {}}";
    admin.doAction(new Action("mount", mount.getBytes())).forEachRemaining(r -> {});
    admin
        .doAction(
            new Action(
                "create-table", "{\"name\": \"t.orders\", \"path\": \"/lake/o\"}".getBytes()))
        .forEachRemaining(r -> {});
  }

  @Test
  void tlsServesEncryptedAndRefusesPlaintext() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/o"));
    FlightSqlTest.writeOrders(lake);
    TestCertificates.Pair server = TestCertificates.selfSigned(tmp, "server");
    try (TestNode node =
            TestNode.start(
                tmp.resolve("data"),
                c -> c.withTls(server.certificateFile(), server.keyFile(), null));
        BufferAllocator allocator = new RootAllocator()) {
      assertEquals("grpc+tls", node.server().location().getUri().getScheme());
      try (FlightClient tls =
          FlightClient.builder(allocator, node.server().location())
              .trustedCertificates(new ByteArrayInputStream(server.certificatePem()))
              .build()) {
        setUpTable(tls, tmp.resolve("lake"));
        assertEquals(5_000, rows(tls));
      }
      try (FlightClient plain =
          FlightClient.builder(
                  allocator,
                  org.apache.arrow.flight.Location.forGrpcInsecure("127.0.0.1", node.port()))
              .build()) {
        FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> rows(plain));
        assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());
      }
      try (FlightClient untrusting =
          FlightClient.builder(allocator, node.server().location()).build()) {
        FlightRuntimeException e =
            assertThrows(FlightRuntimeException.class, () -> rows(untrusting));
        assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());
      }
    }
  }

  @Test
  void mutualTlsAcceptsOnlyClientsWithACertificateTheNodeTrusts() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/o"));
    FlightSqlTest.writeOrders(lake);
    TestCertificates.Pair server = TestCertificates.selfSigned(tmp, "server");
    TestCertificates.Pair client = TestCertificates.selfSigned(tmp, "client");
    TestCertificates.Pair stranger = TestCertificates.selfSigned(tmp, "stranger");
    try (TestNode node =
            TestNode.start(
                tmp.resolve("data"),
                c ->
                    c.withTls(
                        server.certificateFile(), server.keyFile(), client.certificateFile()));
        BufferAllocator allocator = new RootAllocator()) {
      try (FlightClient ok =
          FlightClient.builder(allocator, node.server().location())
              .trustedCertificates(new ByteArrayInputStream(server.certificatePem()))
              .clientCertificate(
                  new ByteArrayInputStream(client.certificatePem()),
                  new ByteArrayInputStream(client.keyPem()))
              .build()) {
        setUpTable(ok, tmp.resolve("lake"));
        assertEquals(5_000, rows(ok));
      }
      for (TestCertificates.Pair wrong : new TestCertificates.Pair[] {null, stranger}) {
        FlightClient.Builder b =
            FlightClient.builder(allocator, node.server().location())
                .trustedCertificates(new ByteArrayInputStream(server.certificatePem()));
        if (wrong != null) {
          b.clientCertificate(
              new ByteArrayInputStream(wrong.certificatePem()),
              new ByteArrayInputStream(wrong.keyPem()));
        }
        try (FlightClient refused = b.build()) {
          FlightRuntimeException e =
              assertThrows(
                  FlightRuntimeException.class,
                  () -> refused.doAction(new Action("tables", new byte[0])).next());
          assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());
        }
      }
    }
  }

  @Test
  void halfATlsConfigurationIsRefused() {
    QuiverServer.Config c = QuiverServer.Config.defaults();
    assertThrows(IllegalArgumentException.class, () -> c.withTls(tmp.resolve("x.crt"), null, null));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> c.withTls(tmp.resolve("no.crt"), tmp.resolve("no.key"), null));
    assertTrue(e.getMessage().contains("Cannot read"), e.getMessage());
  }
}
