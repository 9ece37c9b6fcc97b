package io.quiver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LocationTest {
  @Test
  void parsesAndNormalizes() {
    Location l = Location.of("S3://bucket/a/b/");
    assertEquals("s3", l.scheme());
    assertEquals("bucket", l.authority());
    assertEquals("/a/b", l.path());
    assertEquals("s3://bucket/a/b", l.toString());
    assertEquals("b", l.fileName());
    assertTrue(Location.of("s3://bucket").isRoot());
    assertEquals("file:///tmp/x", Location.of("file:///tmp/x").toString());
  }

  @Test
  void rejectsBadPaths() {
    for (String bad :
        new String[] {
          "/tmp/x", "s3:/b/x", "s3://b/a//c", "s3://b/a/../c", "s3://b/./c", "s3://b/x?y"
        }) {
      assertThrows(IllegalArgumentException.class, () -> Location.of(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> Location.of("s3://b/a").resolve("../x"));
  }

  @Test
  void resolveContainsRelativize() {
    Location root = Location.of("s3://b/data");
    Location f = root.resolve("y=1/part.parquet");
    assertTrue(root.contains(f));
    assertFalse(root.contains(Location.of("s3://b/database/x")));
    assertFalse(root.contains(Location.of("s3://c/data/x")));
    assertEquals("y=1/part.parquet", root.relativize(f));
    assertEquals("data/x", Location.of("s3://b").relativize(Location.of("s3://b/data/x")));
  }
}
