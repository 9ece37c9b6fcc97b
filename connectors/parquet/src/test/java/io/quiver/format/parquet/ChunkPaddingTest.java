package io.quiver.format.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PARQUET-816: which writers' chunks may run past their declared size (the rule Arrow C++ applies;
 * parquet-testing's nation.dict-malformed.parquet, written by "parquet-mr", is the fixture the
 * corpus test reads).
 */
class ChunkPaddingTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "parquet-mr|100",
        "parquet-mr version 1.2.8|100",
        "parquet-mr version 1.2.8 (build abc)|100",
        "parquet-mr version 1.1.0|100",
        "parquet-mr version 1.2.9|0",
        "parquet-mr version 1.10.1 (build 815bcfa)|0",
        "parquet-mr version 2.0.0|0",
        "parquet-cpp-arrow version 18.3.0|0",
        "parquet-mr-fork version 1.0.0|0",
        "''|0"
      })
  void oldParquetMrChunksArePadded(String createdBy, int padding) {
    assertEquals(padding, ParquetFooters.chunkPadding(createdBy));
  }

  @org.junit.jupiter.api.Test
  void noWriterNoPadding() {
    assertEquals(0, ParquetFooters.chunkPadding(null));
  }
}
