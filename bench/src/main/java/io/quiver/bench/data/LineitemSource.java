package io.quiver.bench.data;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;

/**
 * Computes the values of lineitem row {@code i} from the seed and {@code i} alone, TPC-H style.
 *
 * <p>Rows come in blocks of 28 holding 7 orders with 1 to 7 lines each (a per-block shuffle), so an
 * order has 4 lines on average as in TPC-H. Order keys are sparse like TPC-H's (8 used out of every
 * 32). Dates, prices, flags and the relations between them follow the TPC-H specification: ship
 * date 1–121 days after the order date, commit date 30–90 days after it, receipt date 1–30 days
 * after shipping, return flag R/A for lines received by 1995-06-17 and N after, line status F/O for
 * lines shipped by then or later, extended price = quantity × the part's retail price. Part and
 * supplier keys are drawn from the SF 1 domains (200,000 parts, 10,000 suppliers) at every size, so
 * that a smaller table is exactly a prefix of a larger one.
 *
 * <p>An instance is not thread-safe (it caches the last block); use one per thread.
 */
public final class LineitemSource {

  /** Parts in the key domain (TPC-H SF 1). */
  public static final int PARTS = 200_000;

  /** Suppliers in the key domain (TPC-H SF 1). */
  public static final int SUPPLIERS = 10_000;

  /** Earliest order date, 1992-01-01. */
  public static final int START_DATE = (int) LocalDate.of(1992, 1, 1).toEpochDay();

  /** TPC-H's end date, 1998-12-31. */
  public static final int END_DATE = (int) LocalDate.of(1998, 12, 31).toEpochDay();

  /** TPC-H's "current date", 1995-06-17. */
  public static final int CURRENT_DATE = (int) LocalDate.of(1995, 6, 17).toEpochDay();

  /** Latest order date (END_DATE − 151 days). */
  public static final int LAST_ORDER_DATE = END_DATE - 151;

  /** Earliest possible ship date. */
  public static final int MIN_SHIP_DATE = START_DATE + 1;

  /** Latest possible ship date. */
  public static final int MAX_SHIP_DATE = LAST_ORDER_DATE + 121;

  public static final List<String> SHIP_INSTRUCTIONS =
      List.of("DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN");

  public static final List<String> SHIP_MODES =
      List.of("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB");

  static final int ROWS_PER_BLOCK = 28;
  static final int ORDERS_PER_BLOCK = 7;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final int ORDER_DATE_SPAN = LAST_ORDER_DATE - START_DATE + 1;

  /** 64 words (6 bits of a hash pick one), TPC-H's comment vocabulary. */
  private static final byte[][] WORDS =
      words(
          "furiously sly careful blithe quick fluffy slow quiet ruthless thin close dogged daring"
              + " brave stealthy permanent enticing idle busy regular final ironic even bold silent"
              + " express pending special unusual foxes ideas theodolites pinto beans instructions"
              + " dependencies excuses platelets asymptotes courts dolphins multipliers sauternes"
              + " warthogs frets dinos attainments somas packages hockey players frays deposits"
              + " requests accounts sleep wake cajole haggle nag use boost affix detect");

  private final long rowSeed;
  private final long orderSeed;
  private final long blockSeed;
  private final int[] blockLines = new int[ORDERS_PER_BLOCK];
  private long cachedBlock = -1;

  public LineitemSource(long seed) {
    this.rowSeed = mix(seed ^ 0x5851F42D4C957F2DL);
    this.orderSeed = mix(seed ^ 0x14057B7EF767814FL);
    this.blockSeed = mix(seed ^ 0x2545F4914F6CDD1DL);
  }

  /** Fills {@code out} with the values of row {@code index} (0-based). */
  public void fill(long index, LineitemRow out) {
    long block = index / ROWS_PER_BLOCK;
    int offset = (int) (index - block * ROWS_PER_BLOCK);
    int[] lines = linesOf(block);
    int order = 0;
    int first = 0;
    while (offset >= first + lines[order]) {
      first += lines[order];
      order++;
    }
    long orderIndex = block * ORDERS_PER_BLOCK + order;
    out.orderKey = (orderIndex >>> 3) * 32 + (orderIndex & 7) + 1;
    out.lineNumber = offset - first + 1;
    int orderDate = orderDate(orderIndex);

    long base = mix(rowSeed + index * GOLDEN);
    long d0 = draw(base, 0);
    int part = 1 + below(d0, PARTS);
    int supplierSlot = below(d0 << 32, 4);
    out.partKey = part;
    out.suppKey =
        (part + (long) supplierSlot * (SUPPLIERS / 4 + (part - 1) / SUPPLIERS)) % SUPPLIERS + 1;

    long d1 = draw(base, 1);
    int quantity = 1 + below(d1, 50);
    out.quantity = quantity * 100L;
    out.extendedPrice = quantity * retailPriceCents(part);
    out.discount = below(d1 << 32, 11);

    long d2 = draw(base, 2);
    out.tax = below(d2, 9);
    out.shipInstruct = below(d2 << 32, SHIP_INSTRUCTIONS.size());

    long d3 = draw(base, 3);
    out.shipDate = orderDate + 1 + below(d3, 121);
    out.commitDate = orderDate + 30 + below(d3 << 32, 61);

    long d4 = draw(base, 4);
    out.receiptDate = out.shipDate + 1 + below(d4, 30);
    out.shipMode = below(d4 << 32, SHIP_MODES.size());

    long d5 = draw(base, 5);
    if (out.receiptDate <= CURRENT_DATE) {
      out.returnFlag = (d5 & 1) == 0 ? (byte) 'R' : (byte) 'A';
    } else {
      out.returnFlag = 'N';
    }
    out.lineStatus = out.shipDate > CURRENT_DATE ? (byte) 'O' : (byte) 'F';
    int length =
        LineitemRow.MIN_COMMENT_LENGTH
            + below(d5, LineitemRow.MAX_COMMENT_LENGTH - LineitemRow.MIN_COMMENT_LENGTH + 1);
    fillComment(base, length, out.comment);
    out.commentLength = length;
  }

  /** The {@code l_shipdate} of row {@code index}, cheaper than {@link #fill}. */
  public int shipDate(long index) {
    long block = index / ROWS_PER_BLOCK;
    int offset = (int) (index - block * ROWS_PER_BLOCK);
    int[] lines = linesOf(block);
    int order = 0;
    int first = 0;
    while (offset >= first + lines[order]) {
      first += lines[order];
      order++;
    }
    long orderIndex = block * ORDERS_PER_BLOCK + order;
    long base = mix(rowSeed + index * GOLDEN);
    return orderDate(orderIndex) + 1 + below(draw(base, 3), 121);
  }

  /** TPC-H's P_RETAILPRICE in cents. */
  static long retailPriceCents(long part) {
    return 90_000 + (part / 10) % 20_001 + 100 * (part % 1_000);
  }

  private int orderDate(long orderIndex) {
    return START_DATE + below(mix(orderSeed + orderIndex * GOLDEN), ORDER_DATE_SPAN);
  }

  /** Lines of the 7 orders of a block: a shuffle of 1..7 decoded from one hash. */
  private int[] linesOf(long block) {
    if (block != cachedBlock) {
      int[] lines = blockLines;
      for (int i = 0; i < lines.length; i++) {
        lines[i] = i + 1;
      }
      long r = mix(blockSeed + block * GOLDEN) >>> 1;
      for (int i = lines.length - 1; i > 0; i--) {
        int j = (int) (r % (i + 1));
        r /= i + 1;
        int t = lines[i];
        lines[i] = lines[j];
        lines[j] = t;
      }
      cachedBlock = block;
    }
    return blockLines;
  }

  private static void fillComment(long base, int length, byte[] buf) {
    int position = 0;
    long bits = draw(base, 6);
    int wordsLeft = 10;
    int nextDraw = 7;
    while (position < length) {
      if (position > 0) {
        buf[position++] = ' ';
        if (position == length) {
          break;
        }
      }
      if (wordsLeft == 0) {
        bits = draw(base, nextDraw++);
        wordsLeft = 10;
      }
      byte[] word = WORDS[(int) (bits & 63)];
      bits >>>= 6;
      wordsLeft--;
      int n = Math.min(word.length, length - position);
      System.arraycopy(word, 0, buf, position, n);
      position += n;
    }
    if (buf[length - 1] == ' ') {
      buf[length - 1] = '.';
    }
  }

  private static long draw(long base, int k) {
    return mix(base + (k + 1) * 0xD1B54A32D192ED03L);
  }

  /** Uniform in [0, n) from the high 32 bits of {@code r}; n must be below 2^31. */
  private static int below(long r, int n) {
    return (int) (((r >>> 32) * n) >>> 32);
  }

  /** SplitMix64's finalizer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static byte[][] words(String text) {
    String[] split = text.split(" ");
    if (split.length != 64) {
      throw new IllegalStateException("need 64 comment words, have " + split.length);
    }
    byte[][] out = new byte[64][];
    for (int i = 0; i < 64; i++) {
      out[i] = split[i].getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }
}
