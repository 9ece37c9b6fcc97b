package io.quiver.bench.data;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/** Writes {@link LineitemRow}s straight from their primitive fields through a RecordConsumer. */
final class LineitemWriteSupport extends WriteSupport<LineitemRow> {

  private static final Binary[] FLAGS = new Binary[128];
  private static final Binary[] SHIP_INSTRUCT = binaries(LineitemSource.SHIP_INSTRUCTIONS);
  private static final Binary[] SHIP_MODE = binaries(LineitemSource.SHIP_MODES);

  static {
    for (char c : new char[] {'A', 'R', 'N', 'F', 'O'}) {
      FLAGS[c] = Binary.fromConstantByteArray(new byte[] {(byte) c});
    }
  }

  private final MessageType schema;
  private final boolean decimalsAsDouble;
  private final Map<String, String> metadata;
  private RecordConsumer out;

  LineitemWriteSupport(boolean decimalsAsDouble, Map<String, String> metadata) {
    this.schema = LineitemGenerator.schema(decimalsAsDouble);
    this.decimalsAsDouble = decimalsAsDouble;
    this.metadata = Map.copyOf(metadata);
  }

  @Override
  public String getName() {
    return "quiver-lineitem";
  }

  @Override
  @SuppressWarnings("deprecation") // abstract in WriteSupport; the writer calls the other init
  public WriteContext init(Configuration configuration) {
    return new WriteContext(schema, metadata);
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(schema, metadata);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override
  public void write(LineitemRow row) {
    RecordConsumer rc = out;
    rc.startMessage();
    int i = 0;
    writeLong(rc, i++, row.orderKey);
    writeLong(rc, i++, row.partKey);
    writeLong(rc, i++, row.suppKey);
    writeInt(rc, i++, row.lineNumber);
    writeDecimal(rc, i++, row.quantity);
    writeDecimal(rc, i++, row.extendedPrice);
    writeDecimal(rc, i++, row.discount);
    writeDecimal(rc, i++, row.tax);
    writeBinary(rc, i++, FLAGS[row.returnFlag]);
    writeBinary(rc, i++, FLAGS[row.lineStatus]);
    writeInt(rc, i++, row.shipDate);
    writeInt(rc, i++, row.commitDate);
    writeInt(rc, i++, row.receiptDate);
    writeBinary(rc, i++, SHIP_INSTRUCT[row.shipInstruct]);
    writeBinary(rc, i++, SHIP_MODE[row.shipMode]);
    writeBinary(rc, i, Binary.fromConstantByteArray(Arrays.copyOf(row.comment, row.commentLength)));
    rc.endMessage();
  }

  private void writeDecimal(RecordConsumer rc, int index, long unscaled) {
    String name = LineitemGenerator.COLUMNS.get(index);
    rc.startField(name, index);
    if (decimalsAsDouble) {
      rc.addDouble(unscaled / 100.0);
    } else {
      rc.addLong(unscaled);
    }
    rc.endField(name, index);
  }

  private static void writeLong(RecordConsumer rc, int index, long value) {
    String name = LineitemGenerator.COLUMNS.get(index);
    rc.startField(name, index);
    rc.addLong(value);
    rc.endField(name, index);
  }

  private static void writeInt(RecordConsumer rc, int index, int value) {
    String name = LineitemGenerator.COLUMNS.get(index);
    rc.startField(name, index);
    rc.addInteger(value);
    rc.endField(name, index);
  }

  private static void writeBinary(RecordConsumer rc, int index, Binary value) {
    String name = LineitemGenerator.COLUMNS.get(index);
    rc.startField(name, index);
    rc.addBinary(value);
    rc.endField(name, index);
  }

  private static Binary[] binaries(List<String> values) {
    Binary[] out = new Binary[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Binary.fromConstantByteArray(values.get(i).getBytes(StandardCharsets.US_ASCII));
    }
    return out;
  }
}
