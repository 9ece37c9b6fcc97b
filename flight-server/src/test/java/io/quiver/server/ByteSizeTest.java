package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
  @Test
  void parsesHumanSizes() {
    assertEquals(512L << 20, ByteSize.parse("512m"));
    assertEquals(4L << 30, ByteSize.parse("4G"));
    assertEquals(3L << 29, ByteSize.parse("1.5GiB"));
    assertEquals(1048576, ByteSize.parse("1048576"));
    long quarter = ByteSize.parse("25%");
    assertTrue(quarter > 0 && quarter <= ByteSize.physicalMemory() / 4 + 1);
    assertEquals("1.5 GiB", ByteSize.format(3L << 29));
  }

  @Test
  void refusesNonsense() {
    for (String bad : new String[] {"lots", "4x", "-1g", "95%", "0%"}) {
      assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
    }
  }
}
