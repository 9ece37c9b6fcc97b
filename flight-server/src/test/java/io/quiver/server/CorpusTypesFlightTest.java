package io.quiver.server;

import static io.quiver.testing.ArrowAssertions.assertSameTableDeep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.protocol.ErrorCode;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.Table;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Types the decoders learnt from the parquet-testing corpus — Arrow's null type, half floats and a
 * legacy list of lists — through the whole node: planned, decoded, cached, sent over Flight cold
 * and warm, with either decoder, and equal to Arrow C++ reading the file.
 */
class CorpusTypesFlightTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "uniform_encryption.parquet.encrypted, encrypted footer",
    "encrypt_columns_plaintext_footer.parquet.encrypted, encrypted columns"
  })
  void encryptedFilesAreUnsupportedNotRetryable(String name, String what) throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    try (InputStream in = getClass().getResourceAsStream("/parquet-testing/" + name)) {
      Files.copy(in, lake.resolve("secret.parquet"));
    }
    try (TestNode node = TestNode.start(tmp.resolve("data"))) {
      node.mount("/lake", lake);
      // Defining the table reads the footer, and says why it cannot be read.
      FlightRuntimeException e =
          assertThrows(
              FlightRuntimeException.class, () -> node.createTable("t", "/lake/secret.parquet"));
      assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code(), e.getMessage());
      assertEquals(ErrorCode.UNSUPPORTED_FILE, FlightErrors.codeOf(e).orElseThrow());
      assertTrue(e.getMessage().contains("secret.parquet"), e.getMessage());
      assertTrue(e.getMessage().contains(what), e.getMessage());
    }
  }

  @ParameterizedTest(name = "{0} with the {1} decoder")
  @CsvSource({
    "null_list.parquet, java",
    "null_list.parquet, native",
    "float16_nonzeros_and_nans.parquet, java",
    "float16_nonzeros_and_nans.parquet, native",
    "old_list_structure.parquet, java",
    "old_list_structure.parquet, native"
  })
  void decodedCachedAndServedLikeArrowCpp(String name, String decoder) throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    Path file = lake.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/parquet-testing/" + name)) {
      Files.copy(in, file);
    }
    Table expected = ArrowOracle.readParquet(file);
    try (TestNode node = TestNode.start(tmp.resolve("data"), c -> c.withDecoder(decoder))) {
      node.mount("/lake", lake).createTable("t", "/lake/" + name);
      FlightDescriptor t = FlightDescriptor.path("t");
      Table cold = node.read(node.client().getInfo(t));
      assertSameTableDeep(expected, cold);
      long loaded = node.server().cache().stats().bytesLoaded();
      Table warm = node.read(node.client().getInfo(t));
      assertSameTableDeep(expected, warm);
      assertEquals(
          loaded, node.server().cache().stats().bytesLoaded(), "the second scan is served cached");
      if (name.startsWith("null_list")) {
        ArrowType element = cold.schema().getFields().get(0).getChildren().get(0).getType();
        assertEquals(ArrowType.Null.INSTANCE, element);
      }
    }
  }
}
