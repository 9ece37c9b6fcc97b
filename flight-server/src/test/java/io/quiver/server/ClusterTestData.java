package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.testing.ArrowOracle;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The table cluster tests read: Parquet files of a unique {@code id} (int64), an optional {@code
 * grp} (int32) and an optional {@code name} (string), several row groups each, and a check of what
 * a scan returned against Arrow C++ reading the same files (compared by {@code id}, since endpoints
 * are read in parallel and in any order).
 */
public final class ClusterTestData {
  public static final List<String> COLUMNS = List.of("id", "grp", "name");

  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message t { required int64 id; optional int32 grp; optional binary name (STRING); }");

  private ClusterTestData() {}

  /**
   * Writes {@code files} files of {@code rowsPerFile} rows in row groups of {@code rowsPerGroup}.
   */
  public static List<Path> write(Path dir, int files, int rowsPerFile, int rowsPerGroup)
      throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    for (int f = 0; f < files; f++) {
      Path file = dir.resolve("part-" + f + ".parquet");
      Random r = new Random(f);
      SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
      try (ParquetWriter<Group> writer =
          ExampleParquetWriter.builder(new LocalOutputFile(file))
              .withType(SCHEMA)
              .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
              .withCompressionCodec(CompressionCodecName.SNAPPY)
              .withRowGroupRowCountLimit(rowsPerGroup)
              .withPageRowCountLimit(Math.min(rowsPerGroup, 20_000))
              .build()) {
        for (int i = 0; i < rowsPerFile; i++) {
          Group g = groups.newGroup();
          g.add("id", (long) f * rowsPerFile + i);
          if (r.nextInt(8) > 0) {
            g.add("grp", r.nextInt(1000));
          }
          if (r.nextInt(8) > 0) {
            g.add("name", Binary.fromString("name-" + r.nextInt(100_000)));
          }
          writer.write(g);
        }
      }
      written.add(file);
    }
    return written;
  }

  /** The rows of {@code files} as Arrow C++ reads them, by id. */
  public static Map<Long, List<Object>> expected(List<Path> files) {
    Map<Long, List<Object>> rows = new TreeMap<>();
    for (Path f : files) {
      rows.putAll(byId(ArrowOracle.readParquet(f, COLUMNS)));
    }
    return rows;
  }

  /** {@code table}'s rows by id; fails on a repeated id. */
  public static Map<Long, List<Object>> byId(Table table) {
    Map<Long, List<Object>> rows = new TreeMap<>();
    List<Object> ids = table.column("id");
    List<Object> grp = table.column("grp");
    List<Object> name = table.column("name");
    for (int i = 0; i < ids.size(); i++) {
      List<Object> row = new ArrayList<>(3);
      row.add(Table.normalize(ids.get(i)));
      row.add(Table.normalize(grp.get(i)));
      row.add(Table.normalize(name.get(i)));
      List<Object> before = rows.put(((Number) ids.get(i)).longValue(), row);
      assertEquals(null, before, "id " + ids.get(i) + " returned twice");
    }
    return rows;
  }
}
