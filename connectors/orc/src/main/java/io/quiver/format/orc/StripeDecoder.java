package io.quiver.format.orc;

import io.quiver.format.UnitRequest;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.RecordReader;
import org.apache.orc.TypeDescription;

/**
 * Decodes top-level columns of one ORC stripe into Arrow vectors.
 *
 * <p>orc-core's vectorized reader does the decoding (every ORC encoding and the codecs orc-core
 * ships: zlib, snappy, lzo, lz4, zstd), restricted to the requested columns ({@code include}) and
 * to the one stripe ({@code range}); it reads the stripe footer and the included columns' streams
 * through the {@link StorageInput}, and reuses the tail in {@link OrcMetadata} instead of reading
 * it again. Its column vectors are then copied into Arrow buffers by {@link ColumnConverter}s.
 *
 * <p>Before orc-core touches a stripe, {@link StripeCheck} reads its footer and the included
 * streams and checks the sizes and integer runs orc-core would trust (see there); its reads serve
 * orc-core's, so every byte is read from storage once.
 *
 * <p>Values are read as Arrow C++'s ORC reader reads them: {@code timestamp} is the stored
 * wall-clock time taken as UTC (whatever the writer's time zone), dates and timestamps are not
 * converted between calendars, {@code char(n)} values are padded with spaces to n characters (as
 * stored; orc-core's reader strips the padding, Arrow C++ keeps it).
 *
 * <p>orc-core logs one INFO line per call ({@code org.apache.orc.impl.ReaderImpl}, "Reading ORC
 * rows from ..."); servers may want that logger at WARN.
 *
 * <p>Stateless and thread-safe; the {@link StorageInput} is borrowed (never closed) and used by one
 * call at a time.
 */
public final class StripeDecoder {
  /** Upper bound on orc-core's row batch; larger slices are filled from several batches. */
  static final int MAX_ORC_BATCH_ROWS = 16 * 1024;

  private StripeDecoder() {}

  /**
   * Decodes {@code columns} of stripe {@code stripe}.
   *
   * <p>Each column's values come back as a list of vectors ("slices") of {@code batchRows} rows,
   * the last one shorter if the row count is not a multiple; every column is sliced at the same row
   * boundaries. An empty stripe gives empty lists. Vector types follow {@link OrcSchemas}.
   *
   * <p><b>Ownership:</b> every vector is allocated from {@code allocator} and owned by the caller,
   * who must close it. If the call fails, everything it allocated has been closed before the
   * exception propagates.
   *
   * @param metadata the file's tail, from {@link OrcFooters#read} of the same file version
   * @param columns top-level column names, no duplicates; the returned map has this order
   * @param batchRows rows per slice, a positive multiple of 8
   * @return column name to slices, in the order of {@code columns}
   * @throws UnsupportedOrcSchemaException if a requested column has a union, naming it
   * @throws IllegalArgumentException if a column or the stripe does not exist, {@code batchRows} is
   *     invalid, or {@code metadata} belongs to another file
   * @throws CorruptOrcException if the stripe cannot be decoded; names the file, stripe and (when
   *     it can be told) column
   * @throws OutOfMemoryException if {@code allocator} runs out
   * @throws IOException if storage fails (as thrown by {@code input}, e.g. {@link
   *     io.quiver.storage.VersionChangedException})
   */
  public static Map<String, List<FieldVector>> decode(
      StorageInput input,
      OrcMetadata metadata,
      int stripe,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows)
      throws IOException {
    Objects.requireNonNull(metadata, "metadata");
    if (!MemoryUtil.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("Quiver decodes ORC on little-endian hosts only");
    }
    TypeDescription schema = metadata.orcSchema();
    int[] indexes =
        UnitRequest.check(
            input,
            schema.getFieldNames(),
            "Stripe",
            metadata.stripes().size(),
            stripe,
            columns,
            allocator,
            batchRows);
    for (int c = 0; c < columns.size(); c++) {
      if (metadata.unsupportedColumns().containsKey(columns.get(c))) {
        // Throws the UnsupportedOrcSchemaException naming the column, as the footer saw it.
        OrcSchemas.toArrowField(columns.get(c), schema.getChildren().get(indexes[c]));
      }
    }
    Location location = input.entry().location();
    if (!input.entry().equals(metadata.entry())) {
      throw new IllegalArgumentException(
          "Metadata of " + metadata.entry() + " used to read " + input.entry());
    }
    OrcMetadata.Stripe info = metadata.stripes().get(stripe);
    if (info.rows() > Integer.MAX_VALUE) {
      throw new CorruptOrcException(
          "Stripe "
              + stripe
              + " of "
              + location
              + " claims "
              + info.rows()
              + " rows, more than Quiver decodes in one stripe");
    }
    int rowCount = (int) info.rows();
    Map<String, List<FieldVector>> result = new LinkedHashMap<>();
    for (String name : columns) {
      result.put(name, new ArrayList<>());
    }
    if (rowCount == 0) {
      return result;
    }
    List<Field> fields = new ArrayList<>(columns.size());
    List<ColumnConverter> converters = new ArrayList<>(columns.size());
    for (int c = 0; c < columns.size(); c++) {
      fields.add(metadata.schema().getFields().get(indexes[c]));
      converters.add(ColumnConverter.create(schema.getChildren().get(indexes[c])));
    }

    StorageFileSystem fs = new StorageFileSystem(input);
    boolean done = false;
    try {
      int orcBatchRows = Math.min(batchRows, MAX_ORC_BATCH_ROWS);
      StripeCheck.check(
          fs,
          metadata,
          stripe,
          include(schema, indexes),
          orcBatchRows,
          StripeCheck.maxBatchBytes());
      try (Reader reader = open(fs, metadata);
          RecordReader rows = reader.rows(options(reader, schema, indexes, info))) {
        VectorizedRowBatch batch =
            schema.createRowBatch(TypeDescription.RowBatchVersion.USE_DECIMAL64, orcBatchRows);
        int batchPosition = 0;
        for (int start = 0; start < rowCount; start += batchRows) {
          int sliceRows = Math.min(batchRows, rowCount - start);
          List<FieldVector> slice = new ArrayList<>(columns.size());
          for (int c = 0; c < columns.size(); c++) {
            FieldVector vector = fields.get(c).createVector(allocator);
            result.get(columns.get(c)).add(vector);
            vector.setInitialCapacity(sliceRows);
            vector.allocateNew();
            slice.add(vector);
          }
          int filled = 0;
          while (filled < sliceRows) {
            if (batchPosition == batch.size) {
              if (!rows.nextBatch(batch) || batch.size == 0) {
                throw new CorruptOrcException(
                    corruptPrefix(location, stripe)
                        + "the stripe ended after "
                        + (start + filled)
                        + " rows but the file tail says it has "
                        + rowCount);
              }
              if (batch.selectedInUse) {
                throw new IllegalStateException("orc-core filtered rows without a filter");
              }
              batchPosition = 0;
            }
            int take = Math.min(sliceRows - filled, batch.size - batchPosition);
            for (int c = 0; c < columns.size(); c++) {
              converters
                  .get(c)
                  .append(batch.cols[indexes[c]], batchPosition, take, slice.get(c), filled);
            }
            filled += take;
            batchPosition += take;
          }
          for (int c = 0; c < columns.size(); c++) {
            converters.get(c).finish(slice.get(c), sliceRows);
          }
        }
        if (batchPosition < batch.size || rows.nextBatch(batch)) {
          throw new CorruptOrcException(
              corruptPrefix(location, stripe)
                  + "the stripe has more rows than the "
                  + rowCount
                  + " the file tail says");
        }
      }
      done = true;
      return result;
    } catch (OutOfMemoryException | CorruptOrcException | SliceTooLargeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      fs.rethrowStorageFailure(e);
      String column =
          columns.size() == 1 ? columns.get(0) : findDamagedColumn(fs, metadata, indexes, info);
      String where =
          column == null
              ? corruptPrefix(location, stripe)
              : corruptPrefix(location, stripe) + "column '" + column + "': ";
      throw OrcErrors.corrupt(where, "its data cannot be decoded", e);
    } finally {
      if (!done) {
        closeAll(result);
      }
    }
  }

  /**
   * One slice of a column would exceed what an Arrow vector can address (2 GiB of string bytes or
   * 2^31 list elements): the caller should ask for fewer {@code batchRows}.
   */
  public static final class SliceTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SliceTooLargeException(String message) {
      super(message);
    }
  }

  private static Reader open(StorageFileSystem fs, OrcMetadata metadata) throws IOException {
    return OrcFile.createReader(
        fs.path(),
        OrcFile.readerOptions(OrcFooters.CONF)
            .filesystem(fs)
            .maxLength(metadata.entry().length())
            .orcTail(metadata.tail())
            // TIMESTAMP is a wall-clock time: read it in UTC, as Arrow C++ does.
            .useUTCTimestamp(true)
            // Keep the writer's calendar: no hybrid/proleptic conversion, as in Arrow C++.
            .convertToProlepticGregorian(metadata.prolepticGregorian()));
  }

  /** ORC column ids to read: the root and every id below the requested top-level columns. */
  private static boolean[] include(TypeDescription schema, int[] indexes) {
    boolean[] include = new boolean[schema.getMaximumId() + 1];
    include[0] = true;
    for (int index : indexes) {
      TypeDescription column = schema.getChildren().get(index);
      for (int id = column.getId(); id <= column.getMaximumId(); id++) {
        include[id] = true;
      }
    }
    return include;
  }

  private static Reader.Options options(
      Reader reader, TypeDescription schema, int[] indexes, OrcMetadata.Stripe stripe) {
    return reader
        .options()
        .include(include(schema, indexes))
        // Selects the stripes starting in [offset, offset + length): exactly this one.
        .range(stripe.offset(), stripe.length())
        .useZeroCopy(false)
        .skipCorruptRecords(false);
  }

  /** Reads the stripe one column at a time; the first that fails, or null. */
  private static String findDamagedColumn(
      StorageFileSystem fs, OrcMetadata metadata, int[] indexes, OrcMetadata.Stripe stripe)
      throws IOException {
    TypeDescription schema = metadata.orcSchema();
    for (int index : indexes) {
      try (Reader reader = open(fs, metadata);
          RecordReader rows = reader.rows(options(reader, schema, new int[] {index}, stripe))) {
        VectorizedRowBatch batch =
            schema.createRowBatch(TypeDescription.RowBatchVersion.USE_DECIMAL64, 1024);
        long read = 0;
        while (rows.nextBatch(batch)) {
          read += batch.size;
        }
        if (read != stripe.rows()) {
          return schema.getFieldNames().get(index);
        }
      } catch (IOException | RuntimeException e) {
        fs.rethrowStorageFailure(e);
        return schema.getFieldNames().get(index);
      }
    }
    return null;
  }

  private static String corruptPrefix(Location location, int stripe) {
    return "Corrupt ORC data in " + location + ", stripe " + stripe + ": ";
  }

  private static void closeAll(Map<String, List<FieldVector>> result) {
    for (List<FieldVector> slices : result.values()) {
      for (FieldVector vector : slices) {
        vector.close();
      }
      slices.clear();
    }
  }
}
