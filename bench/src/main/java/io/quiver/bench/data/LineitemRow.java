package io.quiver.bench.data;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;

/**
 * One mutable, reusable lineitem row as produced by {@link LineitemSource}. Decimal values are
 * unscaled longs with scale 2 (1234 means 12.34); dates are days since 1970-01-01.
 */
public final class LineitemRow {

  /** Longest {@code l_comment}, in bytes (ASCII). */
  public static final int MAX_COMMENT_LENGTH = 43;

  /** Shortest {@code l_comment}, in bytes (ASCII). */
  public static final int MIN_COMMENT_LENGTH = 10;

  long orderKey;
  long partKey;
  long suppKey;
  int lineNumber;
  long quantity;
  long extendedPrice;
  long discount;
  long tax;
  byte returnFlag;
  byte lineStatus;
  int shipDate;
  int commitDate;
  int receiptDate;
  int shipInstruct;
  int shipMode;
  final byte[] comment = new byte[MAX_COMMENT_LENGTH];
  int commentLength;

  public long orderKey() {
    return orderKey;
  }

  public long partKey() {
    return partKey;
  }

  public long suppKey() {
    return suppKey;
  }

  public int lineNumber() {
    return lineNumber;
  }

  /** {@code l_quantity} unscaled (scale 2). */
  public long quantityUnscaled() {
    return quantity;
  }

  /** {@code l_extendedprice} unscaled (scale 2). */
  public long extendedPriceUnscaled() {
    return extendedPrice;
  }

  /** {@code l_discount} unscaled (scale 2). */
  public long discountUnscaled() {
    return discount;
  }

  /** {@code l_tax} unscaled (scale 2). */
  public long taxUnscaled() {
    return tax;
  }

  public char returnFlag() {
    return (char) returnFlag;
  }

  public char lineStatus() {
    return (char) lineStatus;
  }

  /** {@code l_shipdate} in days since the epoch. */
  public int shipDate() {
    return shipDate;
  }

  /** {@code l_commitdate} in days since the epoch. */
  public int commitDate() {
    return commitDate;
  }

  /** {@code l_receiptdate} in days since the epoch. */
  public int receiptDate() {
    return receiptDate;
  }

  public String shipInstruct() {
    return LineitemSource.SHIP_INSTRUCTIONS.get(shipInstruct);
  }

  public String shipMode() {
    return LineitemSource.SHIP_MODES.get(shipMode);
  }

  public String comment() {
    return new String(comment, 0, commentLength, StandardCharsets.US_ASCII);
  }

  /** Turns an unscaled scale-2 value of this row into a {@link BigDecimal}. */
  public static BigDecimal decimal(long unscaled) {
    return BigDecimal.valueOf(unscaled, 2);
  }

  /** Turns an epoch day of this row into a {@link LocalDate}. */
  public static LocalDate date(int epochDay) {
    return LocalDate.ofEpochDay(epochDay);
  }

  @Override
  public String toString() {
    return orderKey
        + "|"
        + partKey
        + "|"
        + suppKey
        + "|"
        + lineNumber
        + "|"
        + decimal(quantity)
        + "|"
        + decimal(extendedPrice)
        + "|"
        + decimal(discount)
        + "|"
        + decimal(tax)
        + "|"
        + returnFlag()
        + "|"
        + lineStatus()
        + "|"
        + date(shipDate)
        + "|"
        + date(commitDate)
        + "|"
        + date(receiptDate)
        + "|"
        + shipInstruct()
        + "|"
        + shipMode()
        + "|"
        + comment();
  }
}
