package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The raw ceilings move exactly the bytes asked for, over real loopback sockets, at some rate. */
class WireCeilingTest {
  // Not a multiple of the chunk or of the connection count: the last pieces are partial.
  private static final long BYTES = (24L << 20) + 12_345;

  @Test
  void oneConnectionSendsEveryByte() throws Exception {
    WireCeiling.Rate r = WireCeiling.loopbackTcp(BYTES, 1);
    assertEquals(BYTES, r.bytes());
    assertTrue(r.nanos() > 0);
    assertTrue(r.mbPerSecond() > 0);
  }

  @Test
  void twoConnectionsSplitTheBytes() throws Exception {
    WireCeiling.Rate r = WireCeiling.loopbackTcp(BYTES, 2);
    assertEquals(BYTES, r.bytes());
    assertTrue(r.mbPerSecond() > 0);
  }

  @Test
  void memcpyCopiesTheBytes() {
    WireCeiling.Rate r = WireCeiling.memcpy(BYTES);
    assertEquals(BYTES, r.bytes());
    assertTrue(r.mbPerSecond() > 0);
  }

  @Test
  void refusesNothingToSend() {
    assertThrows(IllegalArgumentException.class, () -> WireCeiling.loopbackTcp(0, 1));
    assertThrows(IllegalArgumentException.class, () -> WireCeiling.loopbackTcp(1, 0));
  }
}
