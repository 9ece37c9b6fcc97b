package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;

/** Tickets are signed by the node that planned them, bound to a caller and an expiry. */
class ScanTicketTest {
  private final TicketSigner signer = new TicketSigner(Duration.ofMinutes(5));
  private final ScanTicket ticket =
      new ScanTicket(
          List.of("a", "b"),
          List.of(
              new ScanTicket.Part(
                  "/lake/t/p.parquet", "parquet", 1234, "m1-l1234", List.of(0, 3))));

  @Test
  void roundTrips() {
    assertEquals(ticket, signer.open(signer.sign(ticket, "bob", signer.expiryFromNow()), "bob"));
    assertEquals(ticket, signer.open(signer.sign(ticket, "", signer.expiryFromNow()), ""));
    // With what the scan log reports: the table scanned and the plan's pruned units.
    ScanTicket named = new ScanTicket(ticket.columns(), ticket.parts(), null, "sales.orders", 7);
    assertEquals(named, signer.open(signer.sign(named, "bob", signer.expiryFromNow()), "bob"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ScanTicket(ticket.columns(), ticket.parts(), null, "sales.orders", -1));
    // With the table's fields and a file's partition values (a null among them).
    java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
    values.put("year", 2024L);
    values.put("region", "eu/west");
    values.put("day", null);
    org.apache.arrow.vector.types.pojo.Schema fields =
        new org.apache.arrow.vector.types.pojo.Schema(
            List.of(
                org.apache.arrow.vector.types.pojo.Field.nullable(
                    "a", new org.apache.arrow.vector.types.pojo.ArrowType.Int(64, true)),
                org.apache.arrow.vector.types.pojo.Field.nullable(
                    "b", org.apache.arrow.vector.types.pojo.ArrowType.Utf8.INSTANCE)));
    ScanTicket partitioned =
        new ScanTicket(
            ticket.columns(),
            List.of(
                new ScanTicket.Part(
                    "/lake/t/year=2024/p.parquet", "parquet", 1, "v", List.of(0), values)),
            null,
            "t",
            0,
            fields);
    ScanTicket back = signer.open(signer.sign(partitioned, "bob", signer.expiryFromNow()), "bob");
    assertEquals(partitioned, back);
    assertEquals(values, back.parts().get(0).partitions());
  }

  @Test
  void rejectsAnythingElse() {
    byte[] good = signer.sign(ticket, "bob", signer.expiryFromNow());
    byte[] flipped = good.clone();
    flipped[10] ^= 1;
    byte[] otherVersion = good.clone();
    otherVersion[3] = 9;
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    byte[] otherNode =
        new TicketSigner(Duration.ofMinutes(5)).sign(ticket, "bob", signer.expiryFromNow());
    byte[] expired = signer.sign(ticket, "bob", Instant.now().minusSeconds(1));
    byte[] huge = new byte[TicketSigner.MAX_BYTES + 1];
    System.arraycopy(good, 0, huge, 0, 4);
    for (byte[] bad :
        List.of(
            new byte[0],
            "garbage".getBytes(StandardCharsets.UTF_8),
            Arrays.copyOf(good, good.length - 1),
            flipped,
            otherVersion,
            badMagic,
            otherNode,
            expired,
            huge)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> signer.open(bad, "bob"));
      assertTrue(e.getMessage().toLowerCase().contains("ticket"), e.getMessage());
    }
  }

  @Test
  void anotherCallersTicketIsRefused() {
    byte[] bobs = signer.sign(ticket, "bob", signer.expiryFromNow());
    FlightRuntimeException e =
        assertThrows(FlightRuntimeException.class, () -> signer.open(bobs, "eve"));
    assertEquals(FlightStatusCode.UNAUTHORIZED, e.status().code());
  }

  @Test
  void aTicketListingARowGroupTwiceIsRefusedEvenWhenSigned() {
    // The planner never makes one; a signed one would still not stream a row group twice.
    List<Integer> groups = new ArrayList<>(Collections.nCopies(3, 0));
    ScanTicket repeated =
        new ScanTicket(
            List.of("a"),
            List.of(new ScanTicket.Part("/lake/t/p.parquet", "parquet", 1, "v", groups)));
    byte[] signed = signer.sign(repeated, "", signer.expiryFromNow());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> signer.open(signed, ""));
    assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
  }
}
