package io.quiver.server.filter;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;

/**
 * The rows of a batch a filter keeps, as a bitmap, and the copy of a vector's selected rows.
 *
 * <p>Immutable after construction; thread-safe.
 */
public final class RowSelection {
  private final long[] bits;
  private final int rows;
  private final int selected;

  RowSelection(long[] bits, int rows) {
    this.bits = bits;
    this.rows = rows;
    int n = 0;
    for (long w : bits) {
      n += Long.bitCount(w);
    }
    this.selected = n;
  }

  /** Rows in the batch. */
  public int rows() {
    return rows;
  }

  /** Rows kept. */
  public int selected() {
    return selected;
  }

  public boolean all() {
    return selected == rows;
  }

  public boolean none() {
    return selected == 0;
  }

  public boolean isSelected(int row) {
    return (bits[row >>> 6] & (1L << row)) != 0;
  }

  /**
   * A new vector, allocated from {@code allocator}, holding the selected rows of {@code source} in
   * order. Fixed-width values are copied in runs of consecutive selected rows (one memory copy per
   * run); other types row by row through {@link org.apache.arrow.vector.ValueVector#copyFromSafe},
   * which handles every type including nested ones.
   *
   * @param source borrowed, not modified
   * @return a vector the caller owns and must close
   */
  public FieldVector copySelected(FieldVector source, BufferAllocator allocator) {
    FieldVector target = source.getField().createVector(allocator);
    try {
      if (source instanceof BaseFixedWidthVector fixed && !(source instanceof BitVector)) {
        copyFixedWidth(fixed, (BaseFixedWidthVector) target);
      } else {
        target.allocateNew();
        int out = 0;
        for (int i = nextSelected(0); i >= 0; i = nextSelected(i + 1)) {
          target.copyFromSafe(i, out++, source);
        }
        target.setValueCount(out);
      }
      return target;
    } catch (RuntimeException | Error e) {
      target.close();
      throw e;
    }
  }

  private void copyFixedWidth(BaseFixedWidthVector source, BaseFixedWidthVector target) {
    int width = source.getTypeWidth();
    target.allocateNew(Math.max(selected, 1));
    ArrowBuf from = source.getDataBuffer();
    ArrowBuf to = target.getDataBuffer();
    ArrowBuf fromValidity = source.getValidityBuffer();
    ArrowBuf toValidity = target.getValidityBuffer();
    boolean allValid = source.getNullCount() == 0;
    int out = 0;
    int i = nextSelected(0);
    while (i >= 0) {
      int end = i + 1;
      while (end < rows && isSelected(end)) {
        end++;
      }
      int run = end - i;
      to.setBytes((long) out * width, from, (long) i * width, (long) run * width);
      for (int k = 0; k < run; k++) {
        if (allValid || BitVectorHelper.get(fromValidity, i + k) != 0) {
          BitVectorHelper.setBit(toValidity, out + k);
        }
      }
      out += run;
      i = end < rows ? nextSelected(end) : -1;
    }
    target.setValueCount(out);
  }

  /** The first selected row at or after {@code from}, or -1. */
  private int nextSelected(int from) {
    if (from >= rows) {
      return -1;
    }
    int w = from >>> 6;
    long word = bits[w] & (-1L << from);
    while (true) {
      if (word != 0) {
        int row = (w << 6) + Long.numberOfTrailingZeros(word);
        return row < rows ? row : -1;
      }
      if (++w >= bits.length) {
        return -1;
      }
      word = bits[w];
    }
  }
}
