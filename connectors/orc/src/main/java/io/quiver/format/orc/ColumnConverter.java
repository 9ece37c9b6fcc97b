package io.quiver.format.orc;

import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.Decimal64ColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DecimalColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DoubleColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ListColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.MapColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.StructColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.TimestampColumnVector;
import org.apache.hadoop.hive.serde2.io.HiveDecimalWritable;
import org.apache.orc.TypeDescription;

/**
 * Copies rows of one orc-core {@link ColumnVector} into one Arrow vector of the type {@link
 * OrcSchemas} maps the column to.
 *
 * <p>Values go from the column vector's arrays straight into the Arrow buffers (raw addresses for
 * fixed widths, one copy per string), with no per-row objects, and honour {@code isRepeating} and
 * {@code noNulls}. Nested vectors recurse: a list's elements are appended with one child call when
 * the rows' element ranges are contiguous (as orc-core's reader produces them), else row by row.
 *
 * <p>Protocol: the Arrow vector is allocated by the caller; {@link #append} grows it as needed and
 * may be called several times with increasing {@code dstRow}; {@link #finish} then sets the value
 * counts. Stateless and thread-safe; the vectors are not.
 */
abstract class ColumnConverter {
  /**
   * Appends rows {@code [srcRow, srcRow + count)} of {@code src} at rows {@code [dstRow, dstRow +
   * count)} of {@code dst}; rows before {@code dstRow} were appended before.
   */
  abstract void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow);

  /** Sets the value count of {@code dst} (and of its children) to {@code rows}. */
  void finish(FieldVector dst, int rows) {
    dst.setValueCount(rows);
  }

  /** A converter for ORC type {@code type}; unions were refused by {@link OrcSchemas} already. */
  static ColumnConverter create(TypeDescription type) {
    List<TypeDescription> children = type.getChildren();
    switch (type.getCategory()) {
      case BOOLEAN:
        return new BooleanConverter();
      case BYTE:
        return new LongConverter(1);
      case SHORT:
        return new LongConverter(2);
      case INT:
      case DATE:
        return new LongConverter(4);
      case LONG:
        return new LongConverter(8);
      case FLOAT:
        return new FloatConverter();
      case DOUBLE:
        return new DoubleConverter();
      case TIMESTAMP:
      case TIMESTAMP_INSTANT:
        return new TimestampConverter();
      case DECIMAL:
        return new DecimalConverter(type.getPrecision() == 0 ? 6 : type.getScale());
      case STRING:
      case VARCHAR:
      case BINARY:
        return new BytesConverter(0);
      case CHAR:
        return new BytesConverter(type.getMaxLength());
      case LIST:
        return new ListConverter(create(children.get(0)));
      case MAP:
        return new MapConverter(create(children.get(0)), create(children.get(1)));
      case STRUCT:
        {
          ColumnConverter[] fields = new ColumnConverter[children.size()];
          for (int i = 0; i < fields.length; i++) {
            fields[i] = create(children.get(i));
          }
          return new StructConverter(fields);
        }
      default:
        throw new IllegalStateException("No converter for ORC type " + type);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Validity

  static boolean isValid(ColumnVector src, int row) {
    return src.noNulls || !src.isNull[src.isRepeating ? 0 : row];
  }

  /** Copies the null flags of rows {@code [srcRow, srcRow + count)} into an Arrow bitmap. */
  static void copyValidity(ArrowBuf validity, int dstRow, ColumnVector src, int srcRow, int count) {
    if (src.noNulls || src.isRepeating) {
      setRange(validity, dstRow, count, isValid(src, srcRow));
      return;
    }
    boolean[] isNull = src.isNull;
    long address = validity.memoryAddress();
    for (int k = 0; k < count; k++) {
      setBit(address, dstRow + k, !isNull[srcRow + k]);
    }
  }

  /**
   * Sets one bit of a bitmap at a raw address. Callers have grown the buffer to hold the bit; going
   * through {@link ArrowBuf}'s checked accessors per value costs more than the decoding.
   */
  static void setBit(long address, int index, boolean value) {
    long at = address + (index >>> 3);
    byte current = MemoryUtil.getByte(at);
    int mask = 1 << (index & 7);
    MemoryUtil.putByte(at, (byte) (value ? current | mask : current & ~mask));
  }

  static void setRange(ArrowBuf bits, int start, int count, boolean value) {
    int k = 0;
    long address = bits.memoryAddress();
    // Leading bits up to a byte boundary, whole bytes at once, then the trailing bits.
    while (k < count && ((start + k) & 7) != 0) {
      setBit(address, start + k, value);
      k++;
    }
    int bytes = (count - k) >>> 3;
    if (bytes > 0) {
      MemoryUtil.setMemory(
          bits.memoryAddress() + ((start + k) >>> 3), bytes, value ? (byte) 0xFF : (byte) 0);
      k += bytes << 3;
    }
    while (k < count) {
      setBit(address, start + k, value);
      k++;
    }
  }

  static void ensureFixed(BaseFixedWidthVector dst, int rows) {
    while (dst.getValueCapacity() < rows) {
      dst.reAlloc();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Fixed width

  /** ORC integers (and dates, as days) held as longs, narrowed to {@code width} bytes. */
  private static final class LongConverter extends ColumnConverter {
    private final int width;

    LongConverter(int width) {
      this.width = width;
    }

    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      BaseFixedWidthVector vector = (BaseFixedWidthVector) dst;
      ensureFixed(vector, dstRow + count);
      long[] values = ((LongColumnVector) src).vector;
      long address = vector.getDataBuffer().memoryAddress() + (long) dstRow * width;
      if (src.isRepeating) {
        long v = values[0];
        for (int k = 0; k < count; k++) {
          put(address + (long) k * width, v);
        }
      } else {
        switch (width) {
          case 1:
            for (int k = 0; k < count; k++) {
              MemoryUtil.putByte(address + k, (byte) values[srcRow + k]);
            }
            break;
          case 2:
            for (int k = 0; k < count; k++) {
              MemoryUtil.putShort(address + 2L * k, (short) values[srcRow + k]);
            }
            break;
          case 4:
            for (int k = 0; k < count; k++) {
              MemoryUtil.putInt(address + 4L * k, (int) values[srcRow + k]);
            }
            break;
          default:
            for (int k = 0; k < count; k++) {
              MemoryUtil.putLong(address + 8L * k, values[srcRow + k]);
            }
        }
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }

    private void put(long address, long v) {
      switch (width) {
        case 1:
          MemoryUtil.putByte(address, (byte) v);
          break;
        case 2:
          MemoryUtil.putShort(address, (short) v);
          break;
        case 4:
          MemoryUtil.putInt(address, (int) v);
          break;
        default:
          MemoryUtil.putLong(address, v);
      }
    }
  }

  private static final class BooleanConverter extends ColumnConverter {
    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      BaseFixedWidthVector vector = (BaseFixedWidthVector) dst;
      ensureFixed(vector, dstRow + count);
      long[] values = ((LongColumnVector) src).vector;
      ArrowBuf data = vector.getDataBuffer();
      if (src.isRepeating) {
        setRange(data, dstRow, count, values[0] != 0);
      } else {
        long address = data.memoryAddress();
        for (int k = 0; k < count; k++) {
          setBit(address, dstRow + k, values[srcRow + k] != 0);
        }
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }
  }

  private static final class DoubleConverter extends ColumnConverter {
    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      BaseFixedWidthVector vector = (BaseFixedWidthVector) dst;
      ensureFixed(vector, dstRow + count);
      double[] values = ((DoubleColumnVector) src).vector;
      long address = vector.getDataBuffer().memoryAddress() + 8L * dstRow;
      int step = src.isRepeating ? 0 : 1;
      for (int k = 0, i = srcRow; k < count; k++, i += step) {
        MemoryUtil.putLong(address + 8L * k, Double.doubleToRawLongBits(values[i]));
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }
  }

  private static final class FloatConverter extends ColumnConverter {
    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      BaseFixedWidthVector vector = (BaseFixedWidthVector) dst;
      ensureFixed(vector, dstRow + count);
      double[] values = ((DoubleColumnVector) src).vector;
      long address = vector.getDataBuffer().memoryAddress() + 4L * dstRow;
      int step = src.isRepeating ? 0 : 1;
      for (int k = 0, i = srcRow; k < count; k++, i += step) {
        MemoryUtil.putInt(address + 4L * k, Float.floatToRawIntBits((float) values[i]));
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }
  }

  /** orc-core's milliseconds plus nanos-of-second, as nanoseconds since the epoch. */
  private static final class TimestampConverter extends ColumnConverter {
    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      BaseFixedWidthVector vector = (BaseFixedWidthVector) dst;
      ensureFixed(vector, dstRow + count);
      TimestampColumnVector ts = (TimestampColumnVector) src;
      long[] millis = ts.time;
      int[] nanos = ts.nanos;
      long address = vector.getDataBuffer().memoryAddress() + 8L * dstRow;
      int step = src.isRepeating ? 0 : 1;
      for (int k = 0, i = srcRow; k < count; k++, i += step) {
        // time[] already contains the millisecond part of nanos[]: keep only whole seconds.
        long seconds = Math.floorDiv(millis[i], 1000L);
        MemoryUtil.putLong(address + 8L * k, seconds * 1_000_000_000L + nanos[i]);
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }
  }

  /**
   * Decimals as 128-bit little-endian unscaled values at the column's scale. Precision up to 18
   * arrives as {@link Decimal64ColumnVector} (unscaled longs, no objects); wider ones as orc-core's
   * mutable {@link HiveDecimalWritable}s.
   */
  private static final class DecimalConverter extends ColumnConverter {
    private final int scale;

    DecimalConverter(int scale) {
      this.scale = scale;
    }

    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      BaseFixedWidthVector vector = (BaseFixedWidthVector) dst;
      ensureFixed(vector, dstRow + count);
      long address = vector.getDataBuffer().memoryAddress() + 16L * dstRow;
      int step = src.isRepeating ? 0 : 1;
      if (src instanceof Decimal64ColumnVector d64) {
        long[] values = d64.vector;
        for (int k = 0, i = srcRow; k < count; k++, i += step) {
          long v = values[i];
          MemoryUtil.putLong(address + 16L * k, v);
          MemoryUtil.putLong(address + 16L * k + 8, v >> 63);
        }
      } else {
        HiveDecimalWritable[] values = ((DecimalColumnVector) src).vector;
        for (int k = 0, i = srcRow; k < count; k++, i += step) {
          long at = address + 16L * k;
          if (!isValid(src, i) || values[i] == null || !values[i].isSet()) {
            MemoryUtil.putLong(at, 0);
            MemoryUtil.putLong(at + 8, 0);
          } else if (values[i].precision() - values[i].scale() + scale <= 18) {
            long v = values[i].serialize64(scale);
            MemoryUtil.putLong(at, v);
            MemoryUtil.putLong(at + 8, v >> 63);
          } else {
            putBigEndian(at, values[i].getHiveDecimal().bigIntegerBytesScaled(scale));
          }
        }
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }

    /** Writes a big-endian two's complement integer of at most 16 bytes as 16 little-endian. */
    private static void putBigEndian(long address, byte[] bigEndian) {
      if (bigEndian.length > 16) {
        throw new IllegalStateException(
            "Decimal of " + bigEndian.length + " bytes does not fit in 128 bits");
      }
      byte sign = bigEndian.length > 0 && bigEndian[0] < 0 ? (byte) 0xFF : 0;
      for (int b = 0; b < 16; b++) {
        int from = bigEndian.length - 1 - b;
        MemoryUtil.putByte(address + b, from >= 0 ? bigEndian[from] : sign);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Variable width

  /**
   * Strings and binaries: one copy per value from orc-core's (shared) byte arrays.
   *
   * <p>{@code char(n)} values are stored padded with spaces to n characters; orc-core's reader
   * strips the padding, Arrow C++ keeps it, so it is put back ({@code padTo} = n).
   */
  private static final class BytesConverter extends ColumnConverter {
    private final int padTo;

    BytesConverter(int padTo) {
      this.padTo = padTo;
    }

    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      BaseVariableWidthVector vector = (BaseVariableWidthVector) dst;
      while (vector.getValueCapacity() < dstRow + count) {
        vector.reallocValidityAndOffsetBuffers();
      }
      BytesColumnVector bytes = (BytesColumnVector) src;
      int step = src.isRepeating ? 0 : 1;
      long total = 0;
      for (int k = 0, i = srcRow; k < count; k++, i += step) {
        if (isValid(src, i)) {
          total += bytes.length[i] + padTo;
        }
      }
      ArrowBuf offsets = vector.getOffsetBuffer();
      long position = offsets.getInt((long) dstRow * BaseVariableWidthVector.OFFSET_WIDTH);
      if (position + total > Integer.MAX_VALUE) {
        throw new StripeDecoder.SliceTooLargeException(
            "More than 2 GiB of string data in one slice; use fewer batch rows");
      }
      if (vector.getDataBuffer().capacity() < position + total) {
        vector.reallocDataBuffer(position + total);
      }
      // Raw addresses: both buffers were grown above to hold every value of this call.
      long data = vector.getDataBuffer().memoryAddress();
      long offsetAddress =
          offsets.memoryAddress() + (long) (dstRow + 1) * BaseVariableWidthVector.OFFSET_WIDTH;
      for (int k = 0, i = srcRow; k < count; k++, i += step) {
        if (isValid(src, i)) {
          int length = bytes.length[i];
          MemoryUtil.copyToMemory(bytes.vector[i], bytes.start[i], data + position, length);
          position += length;
          if (padTo > 0) {
            int pad = padTo - utf8Characters(bytes.vector[i], bytes.start[i], length);
            if (pad > 0) {
              MemoryUtil.setMemory(data + position, pad, (byte) ' ');
              position += pad;
            }
          }
        }
        MemoryUtil.putInt(offsetAddress + 4L * k, (int) position);
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }

    private static int utf8Characters(byte[] bytes, int start, int length) {
      int characters = 0;
      for (int b = start; b < start + length; b++) {
        // Count every byte that is not a continuation byte (10xxxxxx).
        if ((bytes[b] & 0xC0) != 0x80) {
          characters++;
        }
      }
      return characters;
    }

    @Override
    void finish(FieldVector dst, int rows) {
      // Offsets were written directly: tell the vector, or setValueCount "fills holes" over them.
      ((BaseVariableWidthVector) dst).setLastSet(rows - 1);
      dst.setValueCount(rows);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Nested

  /**
   * Lists and maps: offsets and validity of the parent, then the element ranges appended to the
   * child (one call when contiguous).
   */
  private abstract static class RepeatedConverter extends ColumnConverter {
    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      ListVector vector = (ListVector) dst;
      while (vector.getValueCapacity() < dstRow + count) {
        vector.reAlloc();
      }
      ListColumnVectorView m = view(src);
      int step = src.isRepeating ? 0 : 1;
      int childStart = vector.getOffsetBuffer().getInt((long) dstRow * ListVector.OFFSET_WIDTH);
      boolean contiguous = !src.isRepeating;
      long first = -1;
      long expected = -1;
      long total = 0;
      for (int k = 0, i = srcRow; k < count; k++, i += step) {
        if (isValid(src, i)) {
          if (first < 0) {
            first = m.offsets[i];
            expected = first;
          }
          contiguous &= m.offsets[i] == expected;
          expected = m.offsets[i] + m.lengths[i];
          total += m.lengths[i];
        }
      }
      if (childStart + total > Integer.MAX_VALUE) {
        throw new StripeDecoder.SliceTooLargeException(
            "More than 2^31 list elements in one slice; use fewer batch rows");
      }
      if (total > 0 && contiguous) {
        appendElements(src, (int) first, (int) total, vector, childStart);
      } else if (total > 0) {
        int at = childStart;
        for (int k = 0, i = srcRow; k < count; k++, i += step) {
          if (isValid(src, i) && m.lengths[i] > 0) {
            appendElements(src, (int) m.offsets[i], (int) m.lengths[i], vector, at);
            at += (int) m.lengths[i];
          }
        }
      }
      // The child may have been reallocated above, the parent's buffers were not.
      long offsets =
          vector.getOffsetBuffer().memoryAddress() + (long) (dstRow + 1) * ListVector.OFFSET_WIDTH;
      long position = childStart;
      for (int k = 0, i = srcRow; k < count; k++, i += step) {
        if (isValid(src, i)) {
          position += m.lengths[i];
        }
        MemoryUtil.putInt(offsets + 4L * k, (int) position);
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }

    /** Appends {@code count} elements of {@code src} from {@code from} at child row {@code at}. */
    abstract void appendElements(ColumnVector src, int from, int count, ListVector dst, int at);

    abstract ListColumnVectorView view(ColumnVector src);

    /** Offsets and lengths of list or map rows. */
    record ListColumnVectorView(long[] offsets, long[] lengths) {}

    static int elements(ListVector vector, int rows) {
      return rows == 0 ? 0 : vector.getOffsetBuffer().getInt((long) rows * ListVector.OFFSET_WIDTH);
    }
  }

  private static final class ListConverter extends RepeatedConverter {
    private final ColumnConverter element;

    ListConverter(ColumnConverter element) {
      this.element = element;
    }

    @Override
    ListColumnVectorView view(ColumnVector src) {
      ListColumnVector list = (ListColumnVector) src;
      return new ListColumnVectorView(list.offsets, list.lengths);
    }

    @Override
    void appendElements(ColumnVector src, int from, int count, ListVector dst, int at) {
      element.append(((ListColumnVector) src).child, from, count, dst.getDataVector(), at);
    }

    @Override
    void finish(FieldVector dst, int rows) {
      ListVector vector = (ListVector) dst;
      element.finish(vector.getDataVector(), elements(vector, rows));
      vector.setLastSet(rows - 1);
      vector.setValueCount(rows);
    }
  }

  private static final class MapConverter extends RepeatedConverter {
    private final ColumnConverter key;
    private final ColumnConverter value;

    MapConverter(ColumnConverter key, ColumnConverter value) {
      this.key = key;
      this.value = value;
    }

    @Override
    ListColumnVectorView view(ColumnVector src) {
      MapColumnVector map = (MapColumnVector) src;
      return new ListColumnVectorView(map.offsets, map.lengths);
    }

    @Override
    void appendElements(ColumnVector src, int from, int count, ListVector dst, int at) {
      MapColumnVector map = (MapColumnVector) src;
      StructVector entries = (StructVector) dst.getDataVector();
      while (entries.getValueCapacity() < at + count) {
        entries.reAlloc();
      }
      // Entries are never null; their keys and values carry the nulls.
      setRange(entries.getValidityBuffer(), at, count, true);
      key.append(map.keys, from, count, (FieldVector) entries.getChildByOrdinal(0), at);
      value.append(map.values, from, count, (FieldVector) entries.getChildByOrdinal(1), at);
    }

    @Override
    void finish(FieldVector dst, int rows) {
      MapVector vector = (MapVector) dst;
      StructVector entries = (StructVector) vector.getDataVector();
      int count = elements(vector, rows);
      key.finish((FieldVector) entries.getChildByOrdinal(0), count);
      value.finish((FieldVector) entries.getChildByOrdinal(1), count);
      entries.setValueCount(count);
      vector.setLastSet(rows - 1);
      vector.setValueCount(rows);
    }
  }

  private static final class StructConverter extends ColumnConverter {
    private final ColumnConverter[] fields;

    StructConverter(ColumnConverter[] fields) {
      this.fields = fields;
    }

    @Override
    void append(ColumnVector src, int srcRow, int count, FieldVector dst, int dstRow) {
      StructVector vector = (StructVector) dst;
      while (vector.getValueCapacity() < dstRow + count) {
        vector.reAlloc();
      }
      StructColumnVector struct = (StructColumnVector) src;
      if (src.isRepeating) {
        for (int k = 0; k < count; k++) {
          for (int f = 0; f < fields.length; f++) {
            fields[f].append(
                struct.fields[f], 0, 1, (FieldVector) vector.getChildByOrdinal(f), dstRow + k);
          }
        }
      } else {
        for (int f = 0; f < fields.length; f++) {
          fields[f].append(
              struct.fields[f], srcRow, count, (FieldVector) vector.getChildByOrdinal(f), dstRow);
        }
      }
      copyValidity(vector.getValidityBuffer(), dstRow, src, srcRow, count);
    }

    @Override
    void finish(FieldVector dst, int rows) {
      StructVector vector = (StructVector) dst;
      for (int f = 0; f < fields.length; f++) {
        fields[f].finish((FieldVector) vector.getChildByOrdinal(f), rows);
      }
      vector.setValueCount(rows);
    }
  }
}
