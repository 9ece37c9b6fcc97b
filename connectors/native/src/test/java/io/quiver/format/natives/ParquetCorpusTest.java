package io.quiver.format.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.Table;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache's {@code parquet-testing} corpus (test resources {@code parquet-testing/}, see its
 * README): every file decoded by both Quiver decoders, row group by row group, and compared value
 * by value (nested fields included) with Arrow C++ reading the whole file. The outcome per file is
 * written to {@code target/parquet-corpus.md} and must equal the checked-in report {@code
 * docs/PARQUET-CORPUS.md}: a file that gets better or worse fails the test until the report says so
 * (regenerate it with {@code -Dquiver.corpus.update=true}), so the report is always true.
 */
class ParquetCorpusTest {
  private static final int BATCH_ROWS = 1024;

  @TempDir Path scratch;

  /**
   * The corpus directory as it appears in messages, replaced so the report is the same anywhere.
   */
  private static String corpusDir;

  /** What one reader made of one file. */
  record Outcome(String verdict, String detail) {
    static Outcome of(Throwable t) {
      String m = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
      m = m.replace("file://" + corpusDir, "").replace(corpusDir, "");
      if (m.length() > 160) {
        m = m.substring(0, 157) + "...";
      }
      return new Outcome("refused", t.getClass().getSimpleName() + ": " + m);
    }
  }

  @Test
  void everyCorpusFileAgainstArrowCpp() throws Exception {
    Path root = resource("/parquet-testing");
    corpusDir = root.toString() + "/";
    List<Path> files = new ArrayList<>();
    for (String dir : List.of("data", "bad_data")) {
      try (Stream<Path> s = Files.list(root.resolve(dir))) {
        s.filter(p -> p.getFileName().toString().contains(".parquet")).sorted().forEach(files::add);
      }
    }
    assertTrue(files.size() > 80, "the corpus is there: " + files.size());
    NativeParquetDecoder nativeDecoder = new NativeParquetDecoder(scratch);
    Map<String, Outcome[]> outcomes = new LinkedHashMap<>();
    for (Path file : files) {
      String name = root.relativize(file).toString();
      Table oracle = null;
      Outcome arrow;
      try {
        oracle = ArrowOracle.readParquet(file);
        arrow = new Outcome("read", oracle.rowCount() + " rows");
      } catch (Throwable t) {
        arrow = Outcome.of(t);
      }
      Outcome java = compare(oracle, file, RowGroupDecoder::decode);
      Outcome nat = compare(oracle, file, nativeDecoder::decodeRowGroup);
      // What a node with the default decoder serves: native where it says it can, else java.
      Outcome served = nativeServes(file) ? nat : java;
      outcomes.put(name, new Outcome[] {arrow, java, nat, served});
    }
    String report = report(outcomes);
    Path target = Path.of("target", "parquet-corpus.md");
    Files.createDirectories(target.getParent());
    Files.writeString(target, report, StandardCharsets.UTF_8);
    Path docs = Path.of("..", "..", "docs", "PARQUET-CORPUS.md");
    if (Boolean.getBoolean("quiver.corpus.update")) {
      Files.writeString(docs, report, StandardCharsets.UTF_8);
    }
    assertEquals(
        List.of(), rawTexts, "refusals a client would read with a raw exception text in them");
    assertEquals(
        Files.exists(docs) ? Files.readString(docs, StandardCharsets.UTF_8) : "",
        report,
        "docs/PARQUET-CORPUS.md is not what the decoders do now (see target/parquet-corpus.md;"
            + " regenerate with -Dquiver.corpus.update=true if the change is intended)");
  }

  private static boolean nativeServes(Path file) {
    try (io.quiver.storage.StorageInput input = Decoding.open(file)) {
      var footer = io.quiver.format.parquet.ParquetFooters.read(input);
      return NativeParquetDecoder.supports(footer, Decoding.allColumns(footer));
    } catch (IOException | RuntimeException e) {
      return false; // the footer is refused: both decoders refuse alike
    }
  }

  /** A JVM's or a library's own exception text, which must never reach a client. */
  private static final java.util.regex.Pattern RAW_TEXT =
      java.util.regex.Pattern.compile(
          "java\\.lang\\.|NullPointerException|IndexOutOfBounds|NegativeArraySize"
              + "|ClassCastException|Exception:|FileMetaData\\(|SchemaElement\\(");

  /** Quiver refusals whose message carried such text, by file. */
  private final List<String> rawTexts = new ArrayList<>();

  private Outcome compare(Table oracle, Path file, Decoding.RowGroupDecode decoder) {
    Table actual;
    try {
      actual = Decoding.decodeAll(file, BATCH_ROWS, decoder);
    } catch (Throwable t) {
      if (t.getMessage() == null || RAW_TEXT.matcher(t.getMessage()).find()) {
        rawTexts.add(file.getFileName() + ": " + t);
      }
      return Outcome.of(t);
    }
    if (oracle == null) {
      return new Outcome("read", actual.rowCount() + " rows; Arrow C++ refuses the file");
    }
    try {
      ArrowAssertions.assertSameTableDeep(oracle, actual);
      return new Outcome("identical", "");
    } catch (AssertionError e) {
      return new Outcome("differs", Outcome.of(e).detail().replaceFirst("^[A-Za-z]+: ", ""));
    }
  }

  private static String report(Map<String, Outcome[]> outcomes) {
    StringBuilder out = new StringBuilder();
    long readable = outcomes.values().stream().filter(o -> o[0].verdict().equals("read")).count();
    long javaSame =
        outcomes.values().stream().filter(o -> o[1].verdict().equals("identical")).count();
    long nativeSame =
        outcomes.values().stream().filter(o -> o[2].verdict().equals("identical")).count();
    long servedSame =
        outcomes.values().stream().filter(o -> o[3].verdict().equals("identical")).count();
    out.append("# Parquet corpus report\n\n")
        .append("Generated by `ParquetCorpusTest` (connectors/native) from Apache's")
        .append(" `parquet-testing` files: each decoded by Quiver's `java` and `native` decoders")
        .append(" and compared value by value, nested fields included, with Arrow C++ 18.3")
        .append(" reading the whole file. The test fails when this report is not what the")
        .append(" decoders do.\n\n")
        .append("Arrow C++ reads ")
        .append(readable)
        .append(" of ")
        .append(outcomes.size())
        .append(" files; the `java` decoder is identical on ")
        .append(javaSame)
        .append(", the `native` decoder on ")
        .append(nativeSame)
        .append(", and what a node serves with the default decoder (`native` where it")
        .append(
            " supports the file's columns — flat ones, not PARQUET-816 files — else `java`) on ")
        .append(servedSame)
        .append(".\n\n")
        .append("Files are read with the default options, as Arrow C++'s defaults: INT96 as")
        .append(" `timestamp[ns]`, so the years 9999 and 290000 of `int96_from_spark.parquet` wrap")
        .append(" in both, identically. A mount's `int96-timestamp-unit=us` (or `ms`, `s`) reads")
        .append(
            " INT96 as Arrow C++'s `coerce_int96_timestamp_unit` does, value for value (checked")
        .append(" against pyarrow by `Int96TimestampUnitTest`). A column Quiver cannot decode")
        .append(" refuses only itself, at projection (the file's other columns scan; see")
        .append(" `ColumnRefusalTest`); this table decodes every column, so such a file shows as")
        .append(" refused.\n\n")
        .append("| file | Arrow C++ | java | native | served by default |\n")
        .append("| --- | --- | --- | --- | --- |\n");
    outcomes.forEach(
        (name, o) ->
            out.append("| `")
                .append(name)
                .append("` | ")
                .append(cell(o[0]))
                .append(" | ")
                .append(cell(o[1]))
                .append(" | ")
                .append(cell(o[2]))
                .append(" | ")
                .append(cell(o[3]))
                .append(" |\n"));
    return out.toString();
  }

  private static String cell(Outcome o) {
    String detail = o.detail().replace("|", "\\|").replace("`", "'");
    return detail.isEmpty() ? o.verdict() : o.verdict() + ": " + detail;
  }

  private static Path resource(String name) throws URISyntaxException, IOException {
    return Path.of(ParquetCorpusTest.class.getResource(name).toURI());
  }
}
