package io.quiver.format.parquet;

import io.quiver.format.parquet.ParquetSchemas.FieldNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Decodes one nested top-level column (struct, list, map, repeated fields, any combination) slice
 * by slice into Arrow vectors, straight from the repetition and definition levels of its leaf
 * columns; no per-row objects are created (binary values of plain-encoded pages still pass through
 * parquet-java's {@code Binary}, as in the flat decoders; dictionary pages are copied by id).
 *
 * <p>For each slice, every leaf column is read for the slice's top-level rows: its levels are kept
 * in two int arrays (reused from slice to slice) and its values are written into the leaf vector at
 * the leaf's slots, growing the buffers geometrically from an estimate taken from chunk metadata
 * (capped, because the file declares it). Then every struct, list and map vector is assembled from
 * the levels of its first leaf (validity bitmaps, 0-based offsets) as Arrow C++'s reader does
 * ({@link FieldNode} says which triplets make a slot and which slots are valid). Each slice is an
 * independent vector tree with its own buffers, so slices can be cached, sent over IPC and freed
 * one by one.
 *
 * <p>Not thread-safe: one instance per column per decode call.
 */
final class NestedColumnDecoder {
  private final FieldNode root;
  private final Map<FieldNode, Leaf> leaves = new IdentityHashMap<>();
  private final List<Leaf> leafList = new ArrayList<>();

  NestedColumnDecoder(FieldNode root) {
    this.root = root;
    List<FieldNode> nodes = new ArrayList<>();
    root.leaves(nodes);
    for (FieldNode node : nodes) {
      Leaf leaf = new Leaf(node);
      leaves.put(node, leaf);
      leafList.add(leaf);
    }
  }

  String name() {
    return root.field.getName();
  }

  /** The leaf columns, in schema order. */
  List<Leaf> leaves() {
    return leafList;
  }

  /**
   * The parquet-java converter tree of the column's Parquet type {@code type}. It lets {@code
   * ColumnReadStoreImpl} find each leaf; binary leaves take their values through it (dictionary
   * pages by id, copied from the dictionary flattened once per chunk), other leaves' values are
   * pulled from the readers and their converters are never called.
   */
  Converter converter(Type type) {
    return converter(type, new String[0]);
  }

  private Converter converter(Type type, String[] parent) {
    String[] path = Arrays.copyOf(parent, parent.length + 1);
    path[parent.length] = type.getName();
    if (type.isPrimitive()) {
      for (Leaf leaf : leafList) {
        if (Arrays.equals(leaf.node.path, path) && leaf.kind == ValueKind.VARIABLE) {
          return leaf.new BinaryConverter();
        }
      }
      return new PrimitiveConverter() {};
    }
    GroupType group = type.asGroupType();
    List<Converter> children = new ArrayList<>(group.getFieldCount());
    for (Type child : group.getFields()) {
      children.add(converter(child, path));
    }
    return new GroupConverter() {
      @Override
      public Converter getConverter(int fieldIndex) {
        return children.get(fieldIndex);
      }

      @Override
      public void start() {}

      @Override
      public void end() {}
    };
  }

  /**
   * Decodes the next {@code rows} top-level rows into a new vector tree allocated from {@code
   * allocator}, owned by the caller. On failure nothing stays allocated.
   */
  FieldVector decode(int rows, BufferAllocator allocator) {
    FieldVector vector = root.field.createVector(allocator);
    try {
      assemble(root, vector, rows, allocator);
      if (vector.getValueCount() != rows) {
        throw new ParquetDecodingException(
            "column assembled " + vector.getValueCount() + " rows instead of " + rows);
      }
      return vector;
    } catch (RuntimeException | Error e) {
      vector.close();
      throw e;
    }
  }

  /** Fails if a leaf has values beyond the row group's rows. */
  void checkExhausted() {
    for (Leaf leaf : leafList) {
      if (leaf.consumed < leaf.total) {
        throw new ParquetDecodingException(
            "leaf "
                + String.join(".", leaf.node.path)
                + " has "
                + (leaf.total - leaf.consumed)
                + " values beyond the row group's rows");
      }
    }
  }

  private void assemble(FieldNode node, FieldVector vector, int rows, BufferAllocator allocator) {
    switch (node.kind) {
      case LEAF:
        leaves.get(node).read(rows, vector);
        return;
      case STRUCT:
        {
          List<FieldVector> children = ((StructVector) vector).getChildrenFromFields();
          for (int i = 0; i < node.children.size(); i++) {
            assemble(node.children.get(i), children.get(i), rows, allocator);
          }
          assembleStruct(node, (StructVector) vector, allocator);
          return;
        }
      case LIST:
      case MAP:
        {
          ListVector list = (ListVector) vector;
          assemble(node.children.get(0), list.getDataVector(), rows, allocator);
          assembleList(node, list, allocator);
          return;
        }
      default:
        throw new IllegalStateException("Unknown node kind " + node.kind);
    }
  }

  private int countSlots(FieldNode node, Leaf levels) {
    int rep = node.rep;
    int slotDef = node.slotDef;
    int[] reps = levels.reps;
    int[] defs = levels.defs;
    int slots = 0;
    for (int i = 0; i < levels.count; i++) {
      if (reps[i] <= rep && defs[i] >= slotDef) {
        slots++;
      }
    }
    return slots;
  }

  private static ArrowBuf zeroed(BufferAllocator allocator, long bytes) {
    ArrowBuf buffer = allocator.buffer(Math.max(bytes, 1));
    buffer.setZero(0, buffer.capacity());
    return buffer;
  }

  private void assembleStruct(FieldNode node, StructVector vector, BufferAllocator allocator) {
    Leaf levels = leaves.get(node.firstLeaf());
    int slots = countSlots(node, levels);
    int rep = node.rep;
    int slotDef = node.slotDef;
    int validDef = node.field.isNullable() ? node.validDef : 0;
    int nulls = 0;
    try (ArrowBuf validity = zeroed(allocator, (slots + 7) >>> 3)) {
      long bits = validity.memoryAddress();
      int s = 0;
      for (int i = 0; i < levels.count; i++) {
        int d = levels.defs[i];
        if (levels.reps[i] <= rep && d >= slotDef) {
          if (d >= validDef) {
            setBit(bits, s);
          } else {
            nulls++;
          }
          s++;
        }
      }
      for (FieldVector child : vector.getChildrenFromFields()) {
        if (child.getValueCount() != slots) {
          throw new ParquetDecodingException(
              "struct "
                  + node.field.getName()
                  + " has "
                  + slots
                  + " slots but its field "
                  + child.getName()
                  + " has "
                  + child.getValueCount());
        }
      }
      vector.loadFieldBuffers(new ArrowFieldNode(slots, nulls), List.of(validity));
    }
  }

  private void assembleList(FieldNode node, ListVector vector, BufferAllocator allocator) {
    Leaf levels = leaves.get(node.firstLeaf());
    FieldNode element = node.children.get(0);
    int slots = countSlots(node, levels);
    int rep = node.rep;
    int slotDef = node.slotDef;
    int validDef = node.field.isNullable() ? node.validDef : 0;
    int elementRep = element.rep;
    int elementDef = element.slotDef;
    int nulls = 0;
    int elements = 0;
    try (ArrowBuf validity = zeroed(allocator, (slots + 7) >>> 3);
        ArrowBuf offsets = zeroed(allocator, 4L * (slots + 1))) {
      long bits = validity.memoryAddress();
      long offsetAddress = offsets.memoryAddress();
      int s = 0;
      for (int i = 0; i < levels.count; i++) {
        int r = levels.reps[i];
        int d = levels.defs[i];
        if (r <= rep && d >= slotDef) {
          MemoryUtil.putInt(offsetAddress + 4L * s, elements);
          if (d >= validDef) {
            setBit(bits, s);
          } else {
            nulls++;
          }
          s++;
        }
        if (r <= elementRep && d >= elementDef) {
          elements++;
        }
      }
      MemoryUtil.putInt(offsetAddress + 4L * slots, elements);
      int childCount = vector.getDataVector().getValueCount();
      if (childCount != elements) {
        throw new ParquetDecodingException(
            "list "
                + node.field.getName()
                + " has "
                + elements
                + " elements but its element vector has "
                + childCount);
      }
      vector.loadFieldBuffers(new ArrowFieldNode(slots, nulls), List.of(validity, offsets));
    }
  }

  private static void setBit(long bits, int index) {
    long address = bits + (index >>> 3);
    MemoryUtil.putByte(address, (byte) (MemoryUtil.getByte(address) | (1 << (index & 7))));
  }

  /** How a leaf's values are written. */
  private enum ValueKind {
    /** Arrow's null type: no buffers, every slot null. */
    NULL,
    BOOLEAN,
    INT8,
    INT16,
    INT32,
    INT64,
    FLOAT,
    DOUBLE,
    INT96,
    DECIMAL_INT32,
    DECIMAL_INT64,
    DECIMAL_BYTES,
    FIXED_BYTES,
    VARIABLE
  }

  /**
   * One leaf column: its reader, the levels of the current slice and the writing of its values into
   * the leaf vector.
   */
  static final class Leaf {
    private static final int MIN_DATA_BYTES = 64;

    /**
     * Largest first allocation of slots for a chunk's first slice, estimated from value counts the
     * file declares (see {@link ColumnDecoder#MAX_DECLARED_ESTIMATE_BYTES}); grown as needed.
     */
    private static final long MAX_DECLARED_ESTIMATE_SLOTS = 1L << 21;

    final FieldNode node;
    private final ValueKind kind;
    private final int width;
    private final boolean nullable;
    private final int maxDef;

    private ColumnReader reader;
    private long consumed;
    private long total;
    private double slotsPerRow = 1;
    private double bytesPerSlot = 8;
    // Whether the two estimates above were measured on a slice (else the footer claims them).
    private boolean measured;

    // Levels of the current slice.
    int[] reps = new int[0];
    int[] defs = new int[0];
    int count;

    // The vector being filled.
    private BaseFixedWidthVector fixed;
    private BaseVariableWidthVector variable;
    private int capacity;
    private long data;
    private long validity;
    private long offsets;
    private long dataCapacity;
    private int end;

    Leaf(FieldNode node) {
      this.node = node;
      this.nullable = node.field.isNullable();
      this.maxDef = node.validDef;
      ArrowType type = node.field.getType();
      PrimitiveTypeName physical = node.primitive.getPrimitiveTypeName();
      switch (type.getTypeID()) {
        case Null:
          kind = ValueKind.NULL;
          width = 0;
          break;
        case Bool:
          kind = ValueKind.BOOLEAN;
          width = 0;
          break;
        case Int:
          int bits = ((ArrowType.Int) type).getBitWidth();
          kind =
              bits == 8
                  ? ValueKind.INT8
                  : bits == 16 ? ValueKind.INT16 : bits == 32 ? ValueKind.INT32 : ValueKind.INT64;
          width = bits / 8;
          break;
        case Date:
          kind = ValueKind.INT32;
          width = 4;
          break;
        case Time:
          boolean time32 = ((ArrowType.Time) type).getBitWidth() == 32;
          kind = time32 ? ValueKind.INT32 : ValueKind.INT64;
          width = time32 ? 4 : 8;
          break;
        case Timestamp:
          kind = physical == PrimitiveTypeName.INT96 ? ValueKind.INT96 : ValueKind.INT64;
          width = 8;
          break;
        case FloatingPoint:
          FloatingPointPrecision precision = ((ArrowType.FloatingPoint) type).getPrecision();
          if (precision == FloatingPointPrecision.HALF) {
            // FLOAT16: two little-endian bytes, as Arrow's half floats are.
            kind = ValueKind.FIXED_BYTES;
            width = 2;
            break;
          }
          boolean single = precision == FloatingPointPrecision.SINGLE;
          kind = single ? ValueKind.FLOAT : ValueKind.DOUBLE;
          width = single ? 4 : 8;
          break;
        case Decimal:
          width = ((ArrowType.Decimal) type).getBitWidth() / 8;
          kind =
              physical == PrimitiveTypeName.INT32
                  ? ValueKind.DECIMAL_INT32
                  : physical == PrimitiveTypeName.INT64
                      ? ValueKind.DECIMAL_INT64
                      : ValueKind.DECIMAL_BYTES;
          break;
        case FixedSizeBinary:
          kind = ValueKind.FIXED_BYTES;
          width = ((ArrowType.FixedSizeBinary) type).getByteWidth();
          break;
        case Utf8:
        case Binary:
          kind = ValueKind.VARIABLE;
          width = -1;
          break;
        default:
          throw new UnsupportedParquetSchemaException(
              node.path[0], type + " at " + String.join(".", node.path));
      }
    }

    /** Starts reading a column chunk; {@code slotsPerRow}/{@code bytesPerSlot} size slice one. */
    void bind(ColumnReader reader, double slotsPerRow, double bytesPerSlot) {
      if (reader.getDescriptor().getMaxDefinitionLevel() != maxDef
          || reader.getDescriptor().getMaxRepetitionLevel() != node.rep) {
        // The schema mapping and parquet-java disagree: a bug, not bad data.
        throw new IllegalStateException(
            "Levels of "
                + String.join(".", node.path)
                + " computed as "
                + maxDef
                + "/"
                + node.rep
                + " but the column has "
                + reader.getDescriptor().getMaxDefinitionLevel()
                + "/"
                + reader.getDescriptor().getMaxRepetitionLevel());
      }
      this.reader = reader;
      this.total = reader.getTotalValueCount();
      this.consumed = 0;
      this.slotsPerRow = Math.max(slotsPerRow, 0);
      this.bytesPerSlot = Math.max(bytesPerSlot, 0);
      this.measured = false;
    }

    private void growLevels() {
      int size = Math.max(64, reps.length * 2);
      reps = Arrays.copyOf(reps, size);
      defs = Arrays.copyOf(defs, size);
    }

    /** Reads the next {@code rows} top-level rows: their levels and values into {@code vector}. */
    void read(int rows, FieldVector vector) {
      long estimate = (long) Math.ceil(slotsPerRow * rows) + 8;
      begin(
          vector,
          (int) Math.min(estimate, measured ? Integer.MAX_VALUE / 2 : MAX_DECLARED_ESTIMATE_SLOTS));
      ColumnReader r = reader;
      int slotDef = node.slotDef;
      int n = 0;
      int slots = 0;
      int rowsSeen = 0;
      while (consumed < total) {
        int rep = r.getCurrentRepetitionLevel();
        if (rep == 0) {
          if (rowsSeen == rows) {
            break;
          }
          rowsSeen++;
        } else if (n == 0) {
          throw new ParquetDecodingException(
              "leaf " + String.join(".", node.path) + " starts a row with repetition level " + rep);
        }
        int d = r.getCurrentDefinitionLevel();
        if (d > maxDef) {
          throw new ParquetDecodingException(
              "leaf "
                  + String.join(".", node.path)
                  + " has definition level "
                  + d
                  + " above its maximum "
                  + maxDef);
        }
        if (n == reps.length) {
          growLevels();
        }
        reps[n] = rep;
        defs[n] = d;
        n++;
        if (d >= slotDef) {
          if (slots == capacity) {
            grow();
          }
          if (d == maxDef) {
            writeValue(r, slots);
          } else {
            writeEmpty(slots);
          }
          slots++;
        }
        r.consume();
        consumed++;
      }
      if (rowsSeen != rows) {
        throw new ParquetDecodingException(
            "leaf "
                + String.join(".", node.path)
                + " ends after "
                + rowsSeen
                + " of the slice's "
                + rows
                + " rows");
      }
      count = n;
      finish(vector, slots);
      slotsPerRow = (double) slots / rows;
      if (kind == ValueKind.VARIABLE && slots > 0) {
        bytesPerSlot = (double) end / slots;
      }
      measured |= kind != ValueKind.VARIABLE || slots > 0;
    }

    private void begin(FieldVector vector, int slots) {
      if (kind == ValueKind.NULL) {
        capacity = Integer.MAX_VALUE; // nothing to allocate; levels alone shape the parents
        return;
      }
      if (kind == ValueKind.VARIABLE) {
        variable = (BaseVariableWidthVector) vector;
        long bytes = Math.max(MIN_DATA_BYTES, (long) Math.ceil(bytesPerSlot * slots));
        variable.allocateNew(
            Math.min(
                bytes,
                measured ? Integer.MAX_VALUE / 2 : ColumnDecoder.MAX_DECLARED_ESTIMATE_BYTES),
            slots);
        end = 0;
        refreshVariable();
        MemoryUtil.putInt(offsets, 0);
      } else {
        fixed = (BaseFixedWidthVector) vector;
        fixed.allocateNew(slots);
        refreshFixed();
      }
    }

    private void refreshFixed() {
      capacity = fixed.getValueCapacity();
      data = fixed.getDataBufferAddress();
      validity = fixed.getValidityBufferAddress();
    }

    private void refreshVariable() {
      capacity = variable.getValueCapacity();
      data = variable.getDataBufferAddress();
      dataCapacity = variable.getDataBuffer().capacity();
      validity = variable.getValidityBufferAddress();
      offsets = variable.getOffsetBufferAddress();
    }

    private void grow() {
      if (kind == ValueKind.VARIABLE) {
        variable.reallocValidityAndOffsetBuffers();
        refreshVariable();
      } else {
        fixed.reAlloc();
        refreshFixed();
      }
    }

    private void ensureData(int length) {
      long needed = (long) end + length;
      if (needed <= dataCapacity) {
        return;
      }
      if (needed > Integer.MAX_VALUE) {
        throw new ColumnDecoder.SliceTooLargeException(
            "Column '"
                + node.path[0]
                + "' has more than 2 GiB of values at "
                + String.join(".", node.path)
                + " in one slice; decode with fewer batch rows");
      }
      variable.reallocDataBuffer(Math.max(needed, dataCapacity * 2));
      refreshVariable();
    }

    /** A slot without a value: null, or (under a null ancestor) a zero non-null value. */
    private void writeEmpty(int index) {
      if (!nullable) {
        setBit(validity, index);
      }
      if (kind == ValueKind.VARIABLE) {
        MemoryUtil.putInt(offsets + 4L * (index + 1), end);
      }
    }

    private void writeValue(ColumnReader r, int index) {
      if (kind == ValueKind.NULL) {
        return; // a null-typed column holds no values; any stray one is ignored
      }
      setBit(validity, index);
      switch (kind) {
        case BOOLEAN:
          if (r.getBoolean()) {
            setBit(data, index);
          }
          break;
        case INT8:
          MemoryUtil.putByte(data + index, (byte) r.getInteger());
          break;
        case INT16:
          MemoryUtil.putShort(data + 2L * index, (short) r.getInteger());
          break;
        case INT32:
          MemoryUtil.putInt(data + 4L * index, r.getInteger());
          break;
        case INT64:
          MemoryUtil.putLong(data + 8L * index, r.getLong());
          break;
        case FLOAT:
          MemoryUtil.putInt(data + 4L * index, Float.floatToRawIntBits(r.getFloat()));
          break;
        case DOUBLE:
          MemoryUtil.putLong(data + 8L * index, Double.doubleToRawLongBits(r.getDouble()));
          break;
        case INT96:
          MemoryUtil.putLong(
              data + 8L * index,
              ColumnDecoder.int96ToEpoch(
                  r.getBinary(), ((ArrowType.Timestamp) node.field.getType()).getUnit()));
          break;
        case DECIMAL_INT32:
        case DECIMAL_INT64:
          {
            long unscaled = kind == ValueKind.DECIMAL_INT32 ? r.getInteger() : r.getLong();
            long address = data + (long) width * index;
            MemoryUtil.putLong(address, unscaled);
            for (int k = 8; k < width; k += 8) {
              MemoryUtil.putLong(address + k, unscaled >> 63);
            }
            break;
          }
        case DECIMAL_BYTES:
          ColumnDecoder.writeDecimalBytes(data + (long) width * index, r.getBinary(), width);
          break;
        case FIXED_BYTES:
          {
            ByteBuffer bytes = r.getBinary().toByteBuffer();
            if (bytes.remaining() != width) {
              throw new ParquetDecodingException(
                  "value of " + bytes.remaining() + " bytes in a column of width " + width);
            }
            ColumnDecoder.copy(bytes, data + (long) width * index, width);
            break;
          }
        case VARIABLE:
          // Through BinaryConverter: dictionary ids need no Binary object per value.
          r.writeCurrentValueToConverter();
          MemoryUtil.putInt(offsets + 4L * (index + 1), end);
          break;
        default:
          throw new IllegalStateException("Unknown value kind " + kind);
      }
    }

    /** Appends binary values of this leaf to the data buffer of the vector being filled. */
    final class BinaryConverter extends PrimitiveConverter {
      private byte[] dictionaryBytes;
      private int[] dictionaryOffsets;

      @Override
      public boolean hasDictionarySupport() {
        return true;
      }

      @Override
      public void setDictionary(Dictionary dictionary) {
        int size = dictionary.getMaxId() + 1;
        int[] starts = new int[size + 1];
        long total = 0;
        for (int id = 0; id < size; id++) {
          total += dictionary.decodeToBinary(id).length();
          if (total > Integer.MAX_VALUE - 16) {
            throw new ParquetDecodingException("dictionary larger than 2 GiB");
          }
          starts[id + 1] = (int) total;
        }
        byte[] bytes = new byte[(int) total];
        for (int id = 0; id < size; id++) {
          ByteBuffer value = dictionary.decodeToBinary(id).toByteBuffer();
          value.get(bytes, starts[id], value.remaining());
        }
        dictionaryBytes = bytes;
        dictionaryOffsets = starts;
      }

      @Override
      public void addValueFromDictionary(int id) {
        int start = dictionaryOffsets[id];
        int length = dictionaryOffsets[id + 1] - start;
        ensureData(length);
        MemoryUtil.copyToMemory(dictionaryBytes, start, data + end, length);
        end += length;
      }

      @Override
      public void addBinary(Binary value) {
        ByteBuffer bytes = value.toByteBuffer();
        int length = bytes.remaining();
        ensureData(length);
        ColumnDecoder.copy(bytes, data + end, length);
        end += length;
      }
    }

    private void finish(FieldVector vector, int slots) {
      if (kind == ValueKind.VARIABLE) {
        variable.setLastSet(slots - 1);
        variable = null;
      } else {
        fixed = null;
      }
      vector.setValueCount(slots);
    }
  }
}
