package io.quiver.format.natives;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.apache.arrow.vector.util.VectorAppender;

/**
 * Cuts the columns of a sequence of record batches into per-column slices of exactly {@code
 * batchRows} rows (the last one shorter), every column at the same row boundaries, and copies each
 * slice into buffers of its own in the target allocator.
 *
 * <p>Why copy: buffers imported from Arrow C++ through the C data interface keep the whole imported
 * batch (every column, and its C struct) alive until the last of them is released. Slices that
 * merely shared those buffers would not be independent: a cache evicting one column would free
 * nothing while another column of the batch stayed cached, and that memory would not be where the
 * accounting says it is. One copy (memcpy speed) makes each slice own exactly its bytes. Rows are
 * first moved without copies ({@link TransferPair}) into pieces in the piece allocator; a slice
 * made of several pieces (Arrow C++ delivered batches of another size) is concatenated with {@link
 * VectorAppender}.
 *
 * <p>Every slice is a vector of exactly the given {@link Field}.
 *
 * <p><b>Ownership:</b> incoming batches stay owned by their producer (their vectors are emptied or
 * left holding what was not taken); slices belong to this object until {@link #take()} hands them
 * to the caller, and {@link #close()} releases whatever was not taken. Not thread-safe.
 */
final class BatchSlicer implements AutoCloseable {
  private final List<Field> fields;
  private final BufferAllocator pieceAllocator;
  private final BufferAllocator allocator;
  private final int batchRows;
  private final List<List<FieldVector>> slices = new ArrayList<>();
  private final List<List<FieldVector>> pending = new ArrayList<>();
  private int pendingRows;
  private long rows;

  /**
   * @param fields the output columns; incoming batches are matched by field name
   * @param pieceAllocator where rows taken from batches wait until their slice is complete; must
   *     share its root with the batches' allocator
   * @param allocator where the slices are allocated
   */
  BatchSlicer(
      List<Field> fields,
      BufferAllocator pieceAllocator,
      BufferAllocator allocator,
      int batchRows) {
    if (batchRows <= 0) {
      throw new IllegalArgumentException("batchRows must be positive: " + batchRows);
    }
    this.fields = List.copyOf(fields);
    this.pieceAllocator = pieceAllocator;
    this.allocator = allocator;
    this.batchRows = batchRows;
    for (int i = 0; i < fields.size(); i++) {
      slices.add(new ArrayList<>());
      pending.add(new ArrayList<>());
    }
  }

  /** Rows accepted so far. */
  long rows() {
    return rows;
  }

  /** Takes this batch's rows; {@code batch} must have a vector named like every output field. */
  void accept(VectorSchemaRoot batch) {
    int n = batch.getRowCount();
    List<FieldVector> sources = new ArrayList<>(fields.size());
    for (Field field : fields) {
      FieldVector source = batch.getVector(field.getName());
      if (source == null) {
        throw new IllegalArgumentException("The batch has no column '" + field.getName() + "'");
      }
      sources.add(source);
    }
    int offset = 0;
    while (offset < n) {
      int take = Math.min(batchRows - pendingRows, n - offset);
      for (int c = 0; c < fields.size(); c++) {
        FieldVector piece = fields.get(c).createVector(pieceAllocator);
        // Registered before the transfer so that close() releases it if the transfer fails.
        pending.get(c).add(piece);
        TransferPair transfer = sources.get(c).makeTransferPair(piece);
        if (offset == 0 && take == n) {
          transfer.transfer();
        } else {
          transfer.splitAndTransfer(offset, take);
        }
      }
      offset += take;
      pendingRows += take;
      rows += take;
      if (pendingRows == batchRows) {
        flush();
      }
    }
  }

  /**
   * Ends the input and hands over the slices, by output field name in field order; the caller owns
   * them and this object holds nothing afterwards.
   */
  Map<String, List<FieldVector>> take() {
    if (pendingRows > 0) {
      flush();
    }
    Map<String, List<FieldVector>> result = new LinkedHashMap<>();
    for (int c = 0; c < fields.size(); c++) {
      result.put(fields.get(c).getName(), new ArrayList<>(slices.get(c)));
      slices.get(c).clear();
    }
    return result;
  }

  private void flush() {
    for (int c = 0; c < fields.size(); c++) {
      List<FieldVector> pieces = pending.get(c);
      FieldVector slice = copyOf(pieces.get(0), fields.get(c), allocator);
      try {
        if (pieces.size() > 1) {
          VectorAppender appender = new VectorAppender(slice);
          for (int i = 1; i < pieces.size(); i++) {
            pieces.get(i).accept(appender, null);
          }
        }
      } catch (RuntimeException e) {
        slice.close();
        throw e;
      }
      slices.get(c).add(slice);
      pieces.forEach(FieldVector::close);
      pieces.clear();
    }
    pendingRows = 0;
  }

  /**
   * A copy of {@code source} in new buffers from {@code allocator}, as a vector of {@code field}.
   */
  static FieldVector copyOf(FieldVector source, Field field, BufferAllocator allocator) {
    int rows = source.getValueCount();
    VectorSchemaRoot view = new VectorSchemaRoot(List.of(source.getField()), List.of(source), rows);
    try (ArrowRecordBatch batch = new VectorUnloader(view).getRecordBatch()) {
      List<ArrowBuf> copies = new ArrayList<>(batch.getBuffers().size());
      try {
        for (ArrowBuf buffer : batch.getBuffers()) {
          long length = buffer.readableBytes();
          ArrowBuf copy = allocator.buffer(length);
          copies.add(copy);
          copy.setBytes(0, buffer, buffer.readerIndex(), length);
          copy.writerIndex(length);
        }
        try (ArrowRecordBatch copied = new ArrowRecordBatch(rows, batch.getNodes(), copies)) {
          VectorSchemaRoot target = VectorSchemaRoot.create(new Schema(List.of(field)), allocator);
          try {
            new VectorLoader(target).load(copied);
          } catch (RuntimeException e) {
            target.close();
            throw e;
          }
          return target.getVector(0);
        }
      } finally {
        // The loaded vector holds its own references.
        copies.forEach(ArrowBuf::close);
      }
    }
  }

  /** Releases every slice and piece not yet taken. */
  @Override
  public void close() {
    for (List<List<FieldVector>> lists : List.of(slices, pending)) {
      for (List<FieldVector> vectors : lists) {
        vectors.forEach(FieldVector::close);
        vectors.clear();
      }
    }
  }
}
