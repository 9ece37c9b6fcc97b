package io.quiver.format.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Decodes the values of one flat (top-level, non-repeated, primitive) column, slice by slice, from
 * a parquet-java {@link ColumnReader} into Arrow vectors; nested columns go through {@link
 * NestedColumnDecoder}, which shares the value conversions here (decimals, INT96).
 *
 * <p>Each slice's buffers are allocated once for its exact row count, then filled with unchecked
 * writes to their addresses (capacities are checked once per slice). Validity bits are assembled
 * eight rows at a time; slices start at multiples of eight rows, so bytes never straddle slices.
 * Variable-width data buffers start at an estimate and grow geometrically.
 *
 * <p>A decoder is also the column's parquet-java {@link PrimitiveConverter}: binary columns take
 * dictionary-encoded values through it, the dictionary decoded once per column chunk. Not
 * thread-safe: one decoder per column per decode call.
 *
 * <p><b>Size.</b> Over the ~800-line guideline on purpose: one small nested decoder per Parquet
 * physical type and Arrow target (the hot loops), kept next to the base class whose unchecked
 * buffer writes they share, so that a change to the buffer discipline is made in one file.
 */
abstract class ColumnDecoder extends PrimitiveConverter {
  final Field field;
  final int maxDefinitionLevel;

  ColumnDecoder(Field field, ColumnDescriptor descriptor) {
    this.field = field;
    this.maxDefinitionLevel = descriptor.getMaxDefinitionLevel();
  }

  /** The decoder for a column whose Arrow field was chosen by {@link ParquetSchemas}. */
  static ColumnDecoder create(Field field, ColumnDescriptor descriptor) {
    PrimitiveTypeName physical = descriptor.getPrimitiveType().getPrimitiveTypeName();
    ArrowType type = field.getType();
    switch (type.getTypeID()) {
      case Null:
        return new NullDecoder(field, descriptor);
      case Bool:
        return new BooleanDecoder(field, descriptor);
      case Int:
        switch (((ArrowType.Int) type).getBitWidth()) {
          case 8:
            return new Int32ToByteDecoder(field, descriptor);
          case 16:
            return new Int32ToShortDecoder(field, descriptor);
          case 32:
            return new Int32Decoder(field, descriptor);
          default:
            return new Int64Decoder(field, descriptor);
        }
      case Date:
        return new Int32Decoder(field, descriptor);
      case Time:
        return ((ArrowType.Time) type).getBitWidth() == 32
            ? new Int32Decoder(field, descriptor)
            : new Int64Decoder(field, descriptor);
      case Timestamp:
        return physical == PrimitiveTypeName.INT96
            ? new Int96Decoder(field, descriptor)
            : new Int64Decoder(field, descriptor);
      case FloatingPoint:
        switch (((ArrowType.FloatingPoint) type).getPrecision()) {
          case HALF:
            // FLOAT16: FIXED_LEN_BYTE_ARRAY(2), little-endian, which is Arrow's half float.
            return new FixedBinaryDecoder(field, descriptor, 2);
          case SINGLE:
            return new FloatDecoder(field, descriptor);
          default:
            return new DoubleDecoder(field, descriptor);
        }
      case Decimal:
        int width = ((ArrowType.Decimal) type).getBitWidth() / 8;
        if (physical == PrimitiveTypeName.INT32 || physical == PrimitiveTypeName.INT64) {
          return new DecimalFromIntDecoder(field, descriptor, width, physical);
        }
        return new DecimalFromBytesDecoder(field, descriptor, width);
      case FixedSizeBinary:
        return new FixedBinaryDecoder(
            field, descriptor, ((ArrowType.FixedSizeBinary) type).getByteWidth());
      case Utf8:
      case Binary:
        return new VariableWidthDecoder(field, descriptor);
      default:
        throw new UnsupportedParquetSchemaException(field.getName(), type.toString());
    }
  }

  /**
   * Decodes the next {@code rows} values of {@code reader} into a new vector allocated from {@code
   * allocator}. The caller owns the returned vector; on failure nothing stays allocated.
   */
  final FieldVector decode(ColumnReader reader, int rows, BufferAllocator allocator) {
    FieldVector vector = field.createVector(allocator);
    try {
      fill(vector, reader, rows);
      vector.setValueCount(rows);
      return vector;
    } catch (RuntimeException | Error e) {
      vector.close();
      throw e;
    }
  }

  /** Allocates {@code vector} for {@code rows} values and fills it from {@code reader}. */
  abstract void fill(FieldVector vector, ColumnReader reader, int rows);

  /**
   * Largest first allocation of variable-width data for a chunk's first slice, whose size is
   * estimated from sizes the file declares in its footer (later slices use what the previous one
   * measured): a lying footer cannot make it large. Buffers grow geometrically past it as needed.
   */
  static final long MAX_DECLARED_ESTIMATE_BYTES = 16L << 20;

  static void requireCapacity(ArrowBuf buffer, long bytes, String what) {
    if (buffer.capacity() < bytes) {
      throw new IllegalStateException(
          what + " buffer has " + buffer.capacity() + " bytes, needs " + bytes);
    }
  }

  /** Sets the first {@code rows} validity bits. */
  static void setAllValid(long validity, int rows) {
    int full = rows >>> 3;
    MemoryUtil.setMemory(validity, full, (byte) 0xFF);
    if ((rows & 7) != 0) {
      MemoryUtil.putByte(validity + full, (byte) ((1 << (rows & 7)) - 1));
    }
  }

  /** Fixed-width columns: one allocation, then a required or an optional loop. */
  /** The null logical type: no buffers; the column's levels are read past, values ignored. */
  static final class NullDecoder extends ColumnDecoder {
    NullDecoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor);
    }

    @Override
    void fill(FieldVector vector, ColumnReader reader, int rows) {
      for (int i = 0; i < rows; i++) {
        reader.consume();
      }
    }
  }

  abstract static class FixedWidthDecoder extends ColumnDecoder {
    /** Bytes per value; 0 for bit-packed booleans. */
    private final int width;

    FixedWidthDecoder(Field field, ColumnDescriptor descriptor, int width) {
      super(field, descriptor);
      this.width = width;
    }

    @Override
    final void fill(FieldVector vector, ColumnReader reader, int rows) {
      BaseFixedWidthVector v = (BaseFixedWidthVector) vector;
      v.allocateNew(rows);
      requireCapacity(v.getValidityBuffer(), (rows + 7) >>> 3, "validity");
      requireCapacity(
          v.getDataBuffer(), width == 0 ? (rows + 7) >>> 3 : (long) rows * width, "data");
      long data = v.getDataBufferAddress();
      long validity = v.getValidityBufferAddress();
      if (maxDefinitionLevel == 0) {
        readRequired(reader, data, rows);
        setAllValid(validity, rows);
      } else {
        readOptional(reader, data, validity, rows);
      }
    }

    /** Reads {@code rows} non-null values to {@code data}. */
    abstract void readRequired(ColumnReader reader, long data, int rows);

    /** Reads {@code rows} nullable values to {@code data} and their bits to {@code validity}. */
    abstract void readOptional(ColumnReader reader, long data, long validity, int rows);
  }

  static final class BooleanDecoder extends FixedWidthDecoder {
    BooleanDecoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 0);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      int bits = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getBoolean()) {
          bits |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(data + (i >>> 3), (byte) bits);
          bits = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(data + (rows >>> 3), (byte) bits);
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int bits = 0;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          valid |= 1 << (i & 7);
          if (r.getBoolean()) {
            bits |= 1 << (i & 7);
          }
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(data + (i >>> 3), (byte) bits);
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          bits = 0;
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(data + (rows >>> 3), (byte) bits);
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /** INT32 to 1-byte integers (INT(8), UINT(8)). */
  static final class Int32ToByteDecoder extends FixedWidthDecoder {
    Int32ToByteDecoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 1);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        MemoryUtil.putByte(data + i, (byte) r.getInteger());
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          MemoryUtil.putByte(data + i, (byte) r.getInteger());
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /** INT32 to 2-byte integers (INT(16), UINT(16)). */
  static final class Int32ToShortDecoder extends FixedWidthDecoder {
    Int32ToShortDecoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 2);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        MemoryUtil.putShort(data + ((long) i << 1), (short) r.getInteger());
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          MemoryUtil.putShort(data + ((long) i << 1), (short) r.getInteger());
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /** INT32 to 4-byte values (int32, uint32, date32, time32). */
  static final class Int32Decoder extends FixedWidthDecoder {
    Int32Decoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 4);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        MemoryUtil.putInt(data + ((long) i << 2), r.getInteger());
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          MemoryUtil.putInt(data + ((long) i << 2), r.getInteger());
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /** INT64 to 8-byte values (int64, uint64, timestamps, time64). */
  static final class Int64Decoder extends FixedWidthDecoder {
    Int64Decoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 8);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        MemoryUtil.putLong(data + ((long) i << 3), r.getLong());
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          MemoryUtil.putLong(data + ((long) i << 3), r.getLong());
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  static final class FloatDecoder extends FixedWidthDecoder {
    FloatDecoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 4);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        MemoryUtil.putInt(data + ((long) i << 2), Float.floatToRawIntBits(r.getFloat()));
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          MemoryUtil.putInt(data + ((long) i << 2), Float.floatToRawIntBits(r.getFloat()));
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  static final class DoubleDecoder extends FixedWidthDecoder {
    DoubleDecoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 8);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        MemoryUtil.putLong(data + ((long) i << 3), Double.doubleToRawLongBits(r.getDouble()));
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          MemoryUtil.putLong(data + ((long) i << 3), Double.doubleToRawLongBits(r.getDouble()));
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /** Decimals stored as INT32/INT64 unscaled values: sign-extended to 16 or 32 bytes. */
  static final class DecimalFromIntDecoder extends FixedWidthDecoder {
    private final int width;
    private final boolean int64;

    DecimalFromIntDecoder(
        Field field, ColumnDescriptor descriptor, int width, PrimitiveTypeName physical) {
      super(field, descriptor, width);
      this.width = width;
      this.int64 = physical == PrimitiveTypeName.INT64;
    }

    private void write(long address, long unscaled) {
      long sign = unscaled >> 63;
      MemoryUtil.putLong(address, unscaled);
      for (int k = 8; k < width; k += 8) {
        MemoryUtil.putLong(address + k, sign);
      }
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        write(data + (long) i * width, int64 ? r.getLong() : r.getInteger());
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          write(data + (long) i * width, int64 ? r.getLong() : r.getInteger());
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /**
   * Decimals stored as big-endian two's complement bytes (FIXED_LEN_BYTE_ARRAY, BINARY): reversed
   * to Arrow's little-endian layout and sign-extended to 16 or 32 bytes.
   */
  static final class DecimalFromBytesDecoder extends FixedWidthDecoder {
    private final int width;

    DecimalFromBytesDecoder(Field field, ColumnDescriptor descriptor, int width) {
      super(field, descriptor, width);
      this.width = width;
    }

    private void write(long address, Binary value) {
      writeDecimalBytes(address, value, width);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        write(data + (long) i * width, r.getBinary());
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          write(data + (long) i * width, r.getBinary());
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /**
   * Writes a big-endian two's complement decimal ({@code value}) as a little-endian integer of
   * {@code width} bytes at {@code address}, sign-extended.
   */
  static void writeDecimalBytes(long address, Binary value, int width) {
    ByteBuffer bytes = value.toByteBuffer();
    int start = bytes.position();
    int length = bytes.remaining();
    if (length > width) {
      // Only redundant sign bytes may be dropped.
      byte sign = (byte) (bytes.get(start + length - width) >> 7);
      for (int k = start; k < start + length - width; k++) {
        if (bytes.get(k) != sign) {
          throw new ParquetDecodingException(
              "decimal of " + length + " bytes does not fit in " + width + " bytes");
        }
      }
      start += length - width;
      length = width;
    }
    byte sign = length == 0 ? 0 : (byte) (bytes.get(start) >> 7);
    int last = start + length - 1;
    for (int k = 0; k < length; k++) {
      MemoryUtil.putByte(address + k, bytes.get(last - k));
    }
    for (int k = length; k < width; k++) {
      MemoryUtil.putByte(address + k, sign);
    }
  }

  /** Days from the Julian day number epoch to 1970-01-01. */
  private static final long JULIAN_DAY_OF_UNIX_EPOCH = 2_440_588L;

  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  /**
   * Nanoseconds since 1970-01-01 of an INT96 timestamp: 8 little-endian bytes of nanoseconds of the
   * day, then a 4-byte little-endian (unsigned) Julian day number. Computed exactly as Arrow C++
   * does ({@code Int96GetNanoSeconds}): {@code (day - 2440588) * 86400e9 + nanos}, wrapping on
   * overflow like its 64-bit arithmetic; Julian day 0 (what some writers leave in null slots) gives
   * 0, as Arrow C++'s reader special-cases it.
   */
  static long int96ToEpochNanos(Binary value) {
    return int96ToEpoch(value, org.apache.arrow.vector.types.TimeUnit.NANOSECOND);
  }

  /**
   * An INT96 timestamp in {@code unit} since 1970-01-01, as Arrow C++ computes it for its {@code
   * coerce_int96_timestamp_unit} ({@code Int96GetMicroSeconds} and its siblings): {@code (day -
   * 2440588) * unitsPerDay + nanos / nanosPerUnit}, the division unsigned, wrapping on overflow
   * like its 64-bit arithmetic; Julian day 0 gives 0.
   */
  static long int96ToEpoch(Binary value, org.apache.arrow.vector.types.TimeUnit unit) {
    ByteBuffer bytes = value.toByteBuffer();
    if (bytes.remaining() != 12) {
      throw new ParquetDecodingException("INT96 value of " + bytes.remaining() + " bytes");
    }
    bytes = bytes.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = bytes.getLong(0);
    long julianDay = Integer.toUnsignedLong(bytes.getInt(8));
    if (julianDay == 0) {
      return 0;
    }
    long days = julianDay - JULIAN_DAY_OF_UNIX_EPOCH;
    return switch (unit) {
      case NANOSECOND -> days * NANOS_PER_DAY + nanosOfDay;
      // Arrow C++ divides the nanoseconds as an unsigned 64-bit number.
      case MICROSECOND -> days * (NANOS_PER_DAY / 1_000L) + Long.divideUnsigned(nanosOfDay, 1_000L);
      case MILLISECOND ->
          days * (NANOS_PER_DAY / 1_000_000L) + Long.divideUnsigned(nanosOfDay, 1_000_000L);
      case SECOND -> days * 86_400L + Long.divideUnsigned(nanosOfDay, 1_000_000_000L);
    };
  }

  /** INT96 timestamps to Arrow timestamp values, in the unit of the field's type. */
  static final class Int96Decoder extends FixedWidthDecoder {
    private final org.apache.arrow.vector.types.TimeUnit unit;

    Int96Decoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor, 8);
      this.unit = ((ArrowType.Timestamp) field.getType()).getUnit();
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        MemoryUtil.putLong(data + ((long) i << 3), int96ToEpoch(r.getBinary(), unit));
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          MemoryUtil.putLong(data + ((long) i << 3), int96ToEpoch(r.getBinary(), unit));
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /** Copies {@code length} bytes of {@code bytes}, from its position, to {@code address}. */
  static void copy(ByteBuffer bytes, long address, int length) {
    if (bytes.hasArray()) {
      MemoryUtil.copyToMemory(
          bytes.array(), bytes.arrayOffset() + bytes.position(), address, length);
    } else {
      MemoryUtil.copyMemory(
          MemoryUtil.getByteBufferAddress(bytes) + bytes.position(), address, length);
    }
  }

  static final class FixedBinaryDecoder extends FixedWidthDecoder {
    private final int width;

    FixedBinaryDecoder(Field field, ColumnDescriptor descriptor, int width) {
      super(field, descriptor, width);
      this.width = width;
    }

    private void write(long address, Binary value) {
      ByteBuffer bytes = value.toByteBuffer();
      if (bytes.remaining() != width) {
        throw new ParquetDecodingException(
            "value of " + bytes.remaining() + " bytes in a column of width " + width);
      }
      copy(bytes, address, width);
    }

    @Override
    void readRequired(ColumnReader r, long data, int rows) {
      for (int i = 0; i < rows; i++) {
        write(data + (long) i * width, r.getBinary());
        r.consume();
      }
    }

    @Override
    void readOptional(ColumnReader r, long data, long validity, int rows) {
      int max = maxDefinitionLevel;
      int valid = 0;
      for (int i = 0; i < rows; i++) {
        if (r.getCurrentDefinitionLevel() == max) {
          write(data + (long) i * width, r.getBinary());
          valid |= 1 << (i & 7);
        }
        r.consume();
        if ((i & 7) == 7) {
          MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
          valid = 0;
        }
      }
      if ((rows & 7) != 0) {
        MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
      }
    }
  }

  /**
   * BINARY to Utf8/Binary vectors. Values arrive through the converter callbacks: {@link
   * #addBinary} for plain and delta pages, {@link #addValueFromDictionary} for dictionary pages,
   * copied from the dictionary that {@link #setDictionary} flattened once per column chunk.
   */
  static final class VariableWidthDecoder extends ColumnDecoder {
    private static final long MIN_DATA_BYTES = 64;

    private byte[] dictionaryBytes;
    private int[] dictionaryOffsets;
    private double bytesPerRow;
    // Whether bytesPerRow was measured on a slice (else it is the footer's claim).
    private boolean measured;

    // The slice being filled.
    private BaseVariableWidthVector vector;
    private long data;
    private long dataCapacity;
    private int end;

    VariableWidthDecoder(Field field, ColumnDescriptor descriptor) {
      super(field, descriptor);
    }

    /** Expected value bytes per row, from chunk metadata, for sizing the first slice. */
    void expectBytesPerRow(double bytes) {
      this.bytesPerRow = bytes;
    }

    @Override
    public boolean hasDictionarySupport() {
      return true;
    }

    @Override
    public void setDictionary(Dictionary dictionary) {
      int count = dictionary.getMaxId() + 1;
      int[] offsets = new int[count + 1];
      long total = 0;
      for (int id = 0; id < count; id++) {
        total += dictionary.decodeToBinary(id).length();
        if (total > Integer.MAX_VALUE - 16) {
          throw new ParquetDecodingException("dictionary larger than 2 GiB");
        }
        offsets[id + 1] = (int) total;
      }
      byte[] bytes = new byte[(int) total];
      for (int id = 0; id < count; id++) {
        ByteBuffer value = dictionary.decodeToBinary(id).toByteBuffer();
        value.get(bytes, offsets[id], value.remaining());
      }
      this.dictionaryBytes = bytes;
      this.dictionaryOffsets = offsets;
    }

    @Override
    public void addValueFromDictionary(int id) {
      int start = dictionaryOffsets[id];
      int length = dictionaryOffsets[id + 1] - start;
      ensureCapacity(length);
      MemoryUtil.copyToMemory(dictionaryBytes, start, data + end, length);
      end += length;
    }

    @Override
    public void addBinary(Binary value) {
      ByteBuffer bytes = value.toByteBuffer();
      int length = bytes.remaining();
      ensureCapacity(length);
      copy(bytes, data + end, length);
      end += length;
    }

    private void ensureCapacity(int length) {
      long needed = (long) end + length;
      if (needed <= dataCapacity) {
        return;
      }
      if (needed > Integer.MAX_VALUE) {
        throw new SliceTooLargeException(
            "Column '"
                + field.getName()
                + "' has more than 2 GiB of values in one slice; decode with fewer batch rows");
      }
      vector.reallocDataBuffer(Math.max(needed, dataCapacity * 2));
      data = vector.getDataBufferAddress();
      dataCapacity = vector.getDataBuffer().capacity();
    }

    @Override
    void fill(FieldVector fieldVector, ColumnReader reader, int rows) {
      BaseVariableWidthVector v = (BaseVariableWidthVector) fieldVector;
      long estimate = Math.max(MIN_DATA_BYTES, (long) Math.ceil(bytesPerRow * rows));
      v.allocateNew(
          Math.min(estimate, measured ? Integer.MAX_VALUE : MAX_DECLARED_ESTIMATE_BYTES), rows);
      requireCapacity(v.getValidityBuffer(), (rows + 7) >>> 3, "validity");
      requireCapacity(v.getOffsetBuffer(), 4L * (rows + 1), "offset");
      vector = v;
      data = v.getDataBufferAddress();
      dataCapacity = v.getDataBuffer().capacity();
      end = 0;
      long offsets = v.getOffsetBufferAddress();
      long validity = v.getValidityBufferAddress();
      MemoryUtil.putInt(offsets, 0);
      try {
        if (maxDefinitionLevel == 0) {
          for (int i = 0; i < rows; i++) {
            reader.writeCurrentValueToConverter();
            MemoryUtil.putInt(offsets + ((long) (i + 1) << 2), end);
            reader.consume();
          }
          setAllValid(validity, rows);
        } else {
          int max = maxDefinitionLevel;
          int valid = 0;
          for (int i = 0; i < rows; i++) {
            if (reader.getCurrentDefinitionLevel() == max) {
              reader.writeCurrentValueToConverter();
              valid |= 1 << (i & 7);
            }
            MemoryUtil.putInt(offsets + ((long) (i + 1) << 2), end);
            reader.consume();
            if ((i & 7) == 7) {
              MemoryUtil.putByte(validity + (i >>> 3), (byte) valid);
              valid = 0;
            }
          }
          if ((rows & 7) != 0) {
            MemoryUtil.putByte(validity + (rows >>> 3), (byte) valid);
          }
        }
        v.setLastSet(rows - 1);
        if (rows > 0) {
          bytesPerRow = (double) end / rows;
          measured = true;
        }
      } finally {
        vector = null;
      }
    }
  }

  /** A slice of a variable-width column would need more than 2 GiB: not corruption. */
  static final class SliceTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SliceTooLargeException(String message) {
      super(message);
    }
  }
}
