package io.quiver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.testing.TestCertificates;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.RequestContext;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and credentials, which Quiver nodes do not serve yet, against a small Flight server that
 * does: it records the {@code authorization} header of every call, answers a basic one with a
 * bearer token, and (in the TLS case) serves a self-signed certificate made by the JDK's keytool.
 */
class QuiverClientSecurityTest {
  private static final String ISSUED = "Bearer issued-token";

  @TempDir Path tmp;

  /** Answers every action with one JSON result. */
  private static final class Producer extends NoOpFlightProducer {
    @Override
    public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
      listener.onNext(new Result("{\"ok\":true}".getBytes(StandardCharsets.UTF_8)));
      listener.onCompleted();
    }
  }

  /** Records each call's authorization header; answers a basic one with a bearer token. */
  private static final class Recorder implements FlightServerMiddleware.Factory<Middleware> {
    final List<String> headers = new CopyOnWriteArrayList<>();

    @Override
    public Middleware onCallStarted(CallInfo info, CallHeaders incoming, RequestContext context) {
      String auth = incoming.get("authorization");
      headers.add(auth == null ? "(none)" : auth);
      return new Middleware(auth != null && auth.startsWith("Basic "));
    }
  }

  private static final class Middleware implements FlightServerMiddleware {
    private final boolean issue;

    Middleware(boolean issue) {
      this.issue = issue;
    }

    @Override
    public void onBeforeSendingHeaders(CallHeaders outgoing) {
      if (issue) {
        outgoing.insert("authorization", ISSUED);
      }
    }

    @Override
    public void onCallCompleted(CallStatus status) {}

    @Override
    public void onCallErrored(Throwable err) {}
  }

  private static final FlightServerMiddleware.Key<Middleware> KEY =
      FlightServerMiddleware.Key.of("recorder");

  private FlightServer start(BufferAllocator allocator, Recorder recorder, byte[][] tls)
      throws Exception {
    Location where =
        tls == null
            ? Location.forGrpcInsecure("127.0.0.1", 0)
            : Location.forGrpcTls("127.0.0.1", 0);
    FlightServer.Builder b =
        FlightServer.builder(allocator, where, new Producer()).middleware(KEY, recorder);
    if (tls != null) {
      b.useTls(new ByteArrayInputStream(tls[0]), new ByteArrayInputStream(tls[1]));
    }
    return b.build().start();
  }

  private static void stop(FlightServer server) throws InterruptedException {
    server.shutdown();
    server.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void basicCredentialsAreExchangedForTheBearerTokenTheServerIssues() throws Exception {
    Recorder recorder = new Recorder();
    try (BufferAllocator allocator = new RootAllocator()) {
      FlightServer server = start(allocator, recorder, null);
      try (QuiverClient client =
          QuiverClient.builder()
              .uri("127.0.0.1:" + server.getPort())
              .basicAuth("ann", "s3cret")
              .build()) {
        assertTrue(client.action("x", Map.of()).path("ok").asBoolean());
        client.action("x", Map.of());
        client.action("x", Map.of());
      } finally {
        stop(server);
      }
    }
    String basic =
        "Basic "
            + Base64.getEncoder().encodeToString("ann:s3cret".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(basic, ISSUED, ISSUED), recorder.headers);
  }

  @Test
  void aBearerTokenGoesWithEveryCall() throws Exception {
    Recorder recorder = new Recorder();
    try (BufferAllocator allocator = new RootAllocator()) {
      FlightServer server = start(allocator, recorder, null);
      try (QuiverClient client =
          QuiverClient.builder()
              .host("127.0.0.1")
              .port(server.getPort())
              .bearerToken("t0k3n")
              .build()) {
        client.action("x", Map.of());
        client.action("x", Map.of());
      } finally {
        stop(server);
      }
    }
    assertEquals(List.of("Bearer t0k3n", "Bearer t0k3n"), recorder.headers);
  }

  @Test
  void tlsWithTrustedCertificates() throws Exception {
    byte[][] pem = selfSignedCertificate();
    Recorder recorder = new Recorder();
    try (BufferAllocator allocator = new RootAllocator()) {
      FlightServer server = start(allocator, recorder, pem);
      try {
        try (QuiverClient client =
            QuiverClient.builder()
                .uri("grpc+tls://localhost:" + server.getPort())
                .trustedCertificates(pem[0])
                .build()) {
          assertEquals("grpc+tls", client.location().getUri().getScheme());
          assertTrue(client.action("x", Map.of()).path("ok").asBoolean());
        }
        // Without trusting the certificate the handshake fails: UNAVAILABLE, not a hang.
        try (QuiverClient untrusting =
            QuiverClient.builder().host("localhost").port(server.getPort()).useTls(true).build()) {
          FlightRuntimeException e =
              assertThrows(FlightRuntimeException.class, () -> untrusting.action("x", Map.of()));
          assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code());
        }
        // A plain client cannot talk to a TLS server either.
        try (QuiverClient plain = QuiverClient.connect("localhost", server.getPort())) {
          assertThrows(FlightRuntimeException.class, () -> plain.action("x", Map.of()));
        }
      } finally {
        stop(server);
      }
    }
    assertEquals(1, recorder.headers.size());
  }

  @Test
  void serverAddresses() {
    QuiverClient.Builder b = QuiverClient.builder();
    assertThrows(IllegalArgumentException.class, () -> b.uri("http://h:1"));
    assertThrows(IllegalArgumentException.class, () -> b.uri("h:1/path"));
    assertThrows(IllegalArgumentException.class, () -> b.uri(""));
    assertThrows(IllegalArgumentException.class, () -> b.port(0));
    assertThrows(IllegalArgumentException.class, () -> b.basicAuth("u", null));
    assertThrows(IllegalArgumentException.class, () -> b.clientCertificate(new byte[1], null));
    for (String[] c :
        new String[][] {
          {"h:1", "grpc+tcp://h:1"},
          {"h", "grpc+tcp://h:8815"},
          {"grpc://h:2", "grpc+tcp://h:2"},
          {"grpc+tcp://h:3", "grpc+tcp://h:3"},
          {"grpc+tls://h:4", "grpc+tls://h:4"},
          {"[::1]:5", "grpc+tcp://[::1]:5"}
        }) {
      try (QuiverClient client = QuiverClient.builder().uri(c[0]).build()) {
        assertEquals(c[1], client.location().getUri().toString(), c[0]);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** A certificate for localhost/127.0.0.1 and its PKCS#8 key, both PEM. */
  private byte[][] selfSignedCertificate() throws Exception {
    TestCertificates.Pair p = TestCertificates.selfSigned(tmp, "server");
    return new byte[][] {p.certificatePem(), p.keyPem()};
  }
}
