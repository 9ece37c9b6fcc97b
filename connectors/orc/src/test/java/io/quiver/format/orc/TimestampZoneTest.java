package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.OrcTestFiles;
import io.quiver.testing.Table;
import java.nio.file.Path;
import java.util.List;
import java.util.TimeZone;
import org.apache.orc.CompressionKind;
import org.apache.orc.TypeDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code timestamp} values written in a non-UTC writer time zone (as Hive writes them) read as
 * their wall-clock time in UTC, as Arrow C++ reads them, whatever the reader JVM's time zone.
 */
class TimestampZoneTest {
  @TempDir Path dir;

  @Test
  void writerZoneIsUndoneAndReaderZoneDoesNotMatter() throws Exception {
    TypeDescription schema =
        TypeDescription.fromString(
            "struct<ts:timestamp,tsl:timestamp with local time zone,d:date>");
    TimeZone original = TimeZone.getDefault();
    Path file;
    try {
      TimeZone.setDefault(TimeZone.getTimeZone("America/Los_Angeles"));
      file =
          OrcTestFiles.writeWithOrcCore(
              dir, "la.orc", schema, 3_000, CompressionKind.ZLIB, 1 << 20, 17, false);
    } finally {
      TimeZone.setDefault(original);
    }
    Table expected = ArrowOracle.readOrc(file);
    assertEquals(3_000, expected.rowCount());
    ArrowAssertions.assertSameTable(expected, DecodedOrc.decodeAll(file, 1024));

    try {
      TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
      try (StorageInput input = DecodedOrc.open(file)) {
        OrcMetadata metadata = OrcFooters.read(input);
        ArrowAssertions.assertSameTable(
            expected, DecodedOrc.decode(input, metadata, List.of("ts", "tsl", "d"), 1024));
      }
    } finally {
      TimeZone.setDefault(original);
    }
  }
}
