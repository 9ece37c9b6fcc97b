package io.quiver.storage.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.Location;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BlobPathTest {
  private static BlobPath path(String text) {
    return BlobPath.of(Location.of(text));
  }

  @Test
  void containerAccountAndBlobName() {
    BlobPath abfs = path("abfs://sales@acct.dfs.core.windows.net/2024/q1/a.parquet");
    assertEquals("sales", abfs.container());
    assertEquals("acct", abfs.account());
    assertEquals("2024/q1/a.parquet", abfs.blobName());
    assertEquals(Optional.of("https://acct.blob.core.windows.net"), abfs.defaultEndpoint());

    BlobPath wasbs = path("wasbs://sales@acct.blob.core.windows.net/x");
    assertEquals("x", wasbs.blobName());
    assertEquals(Optional.of("https://acct.blob.core.windows.net"), wasbs.defaultEndpoint());

    BlobPath china = path("abfss://logs@acct.dfs.core.chinacloudapi.cn/");
    assertTrue(china.isContainerRoot());
    assertEquals(Optional.of("https://acct.blob.core.chinacloudapi.cn"), china.defaultEndpoint());

    assertEquals(Optional.empty(), path("abfs://c01@acct/x").defaultEndpoint());
    assertEquals(
        Location.of("abfs://sales@acct.dfs.core.windows.net/other/b.bin"),
        abfs.sibling("other/b.bin"));
  }

  @Test
  void refusesWhatIsNotAnAzureLocation() {
    for (String bad :
        new String[] {
          "s3://bucket/x",
          "abfs://acct.dfs.core.windows.net/x",
          "abfs://@acct.dfs.core.windows.net/x",
          "abfs://c@/x",
          "abfs://Sales@acct.dfs.core.windows.net/x",
          "abfs://a--b@acct.dfs.core.windows.net/x",
          "abfs://ab@acct.dfs.core.windows.net/x",
          "abfs://sales@acct.dfs.core.windows.net:443/x",
          "abfs://sales@my_acct.dfs.core.windows.net/x"
        }) {
      assertThrows(IllegalArgumentException.class, () -> path(bad), bad);
    }
    assertEquals("$root", path("wasbs://$root@acct.blob.core.windows.net/x").container());
  }
}
