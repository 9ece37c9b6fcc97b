package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The S3-shaped profile's proxy with real sockets: an upstream that answers every 1-byte request
 * with {@code RESPONSE} bytes at once, and the proxy in front of it. Lower bounds on time are what
 * the shaping guarantees; upper bounds are loose (the machine is shared) and only catch a proxy
 * that adds far more delay than asked.
 */
class ShapingProxyTest {
  private static final int RESPONSE = 1 << 20;

  private ServerSocket upstream;
  private Thread server;
  private final byte[] payload = new byte[RESPONSE];

  @BeforeEach
  void startUpstream() throws IOException {
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 31 + 7);
    }
    upstream = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    server =
        new Thread(
            () -> {
              while (!upstream.isClosed()) {
                try (Socket s = upstream.accept();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream()) {
                  while (in.read() >= 0) {
                    out.write(payload);
                    out.flush();
                  }
                } catch (IOException e) {
                  // connection or listener closed
                }
              }
            });
    server.setDaemon(true);
    server.start();
  }

  @AfterEach
  void stopUpstream() throws IOException {
    upstream.close();
  }

  private InetSocketAddress upstreamAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.getLocalPort());
  }

  /** Sends a 1-byte request and returns {time to first byte, time to last byte} in nanos. */
  private static long[] request(Socket s, byte[] into) throws IOException {
    long start = System.nanoTime();
    s.getOutputStream().write(1);
    s.getOutputStream().flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    into[0] = in.readByte();
    long first = System.nanoTime() - start;
    in.readFully(into, 1, into.length - 1);
    return new long[] {first, System.nanoTime() - start};
  }

  @Test
  void delaysEveryResponsesFirstByteAndDeliversTheBytesUnchanged() throws Exception {
    long latency = 80_000_000L;
    try (ShapingProxy proxy = new ShapingProxy(upstreamAddress(), latency, 0);
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      for (int i = 0; i < 3; i++) { // keep-alive: every request on the connection waits again
        byte[] got = new byte[RESPONSE];
        long[] t = request(s, got);
        assertTrue(t[0] >= latency, "request " + i + ": first byte after " + t[0] / 1e6 + " ms");
        assertTrue(t[0] < 2_000_000_000L, "first byte took " + t[0] / 1e6 + " ms");
        assertArrayEquals(payload, got, "request " + i);
      }
    }
  }

  @Test
  void capsEachConnectionsBandwidth() throws Exception {
    long cap = 8_000_000; // 1 MiB at 8 MB/s takes >= 131 ms
    try (ShapingProxy proxy = new ShapingProxy(upstreamAddress(), 0, cap);
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      byte[] got = new byte[RESPONSE];
      long[] t = request(s, got);
      double seconds = t[1] / 1e9;
      double rate = RESPONSE / seconds;
      // The first piece may leave at once, so the bound is one piece short of the whole.
      assertTrue(rate <= cap * 1.01 * RESPONSE / (RESPONSE - 4096.0), "rate " + rate);
      assertTrue(seconds < 5, "took " + seconds + " s");
      assertArrayEquals(payload, got);
    }
  }

  @Test
  void closingDropsOpenConnections() throws Exception {
    ShapingProxy proxy = new ShapingProxy(upstreamAddress(), 0, 0);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      byte[] got = new byte[RESPONSE];
      request(s, got);
      proxy.close();
      s.setSoTimeout(5_000);
      // The proxy closed its side: the client sees end of stream, not a hang.
      assertEquals(-1, s.getInputStream().read());
    }
  }
}
