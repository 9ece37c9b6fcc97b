package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScanTicketTest {
  private final ScanTicket ticket =
      new ScanTicket(
          List.of("a", "b"),
          List.of(
              new ScanTicket.Part(
                  "/lake/t/p.parquet", "parquet", 1234, "m1-l1234", List.of(0, 3))));

  @Test
  void roundTrips() {
    assertEquals(ticket, ScanTicket.decode(ticket.encode()));
  }

  @Test
  void rejectsAnythingElse() {
    byte[] good = ticket.encode();
    byte[] flipped = good.clone();
    flipped[10] ^= 1;
    byte[] otherVersion = good.clone();
    otherVersion[3] = 9;
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    for (byte[] bad :
        List.of(
            new byte[0],
            "garbage".getBytes(StandardCharsets.UTF_8),
            Arrays.copyOf(good, good.length - 1),
            flipped,
            otherVersion,
            badMagic)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ScanTicket.decode(bad));
      assertTrue(e.getMessage().contains("ticket"), e.getMessage());
    }
  }
}
