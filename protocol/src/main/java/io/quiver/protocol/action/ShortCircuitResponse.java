package io.quiver.protocol.action;

import java.util.List;

/**
 * The answer to a {@link ShortCircuitRequest}: the record batches of the lease's current unit (a
 * row group or stripe), each column as one record batch of an Arrow IPC file in the server's
 * shared-memory directory, which the client maps and reads without copying.
 *
 * <p>The file's record batch {@code batch} holds exactly the column's {@code rows} values of that
 * batch, as a one-field schema. The batches of a unit, in order, are the rows a {@code DoGet} of
 * the same ticket streams for that unit, in the same order, with the same schema.
 *
 * <p>While the lease holds a unit, its chunks are not evicted and their files stay. A client maps
 * the files it needs, then asks for the next unit or closes the lease; a mapping it keeps stays
 * valid after that (the operating system keeps the pages of a deleted file until the last mapping
 * goes), but the server no longer counts it against its memory capacity. A lease not advanced for
 * {@code leaseMillis} is released by the server.
 *
 * @param lease the lease id (the same one on every answer), or null when {@code done} or {@code
 *     fallback}: the server has released it then
 * @param directory the absolute path of the shared-memory directory the files are in (set on the
 *     answer that opened the lease)
 * @param token the content of {@code directory/.quiver-token}: a client that reads another value
 *     (or nothing) from there does not see the server's directory (another host, another mount
 *     namespace) and must read the ticket over Flight (set on the answer that opened the lease)
 * @param schema base64 of the batches' schema as an Arrow IPC schema message (set on the answer
 *     that opened the lease)
 * @param leaseMillis how long the server keeps an idle lease
 * @param batches the current unit's batches; empty when {@code done} or {@code fallback}
 * @param done whether the ticket has no more units (the lease is released)
 * @param last whether {@code batches} is the ticket's last unit: the client closes the lease once
 *     it has mapped them, instead of asking for the next unit (which would answer {@code done})
 * @param fallback why the rest of the ticket cannot be read this way (the lease is released): the
 *     client reads it over Flight, skipping the rows it already read; null otherwise
 */
public record ShortCircuitResponse(
    String lease,
    String directory,
    String token,
    String schema,
    long leaseMillis,
    List<Batch> batches,
    boolean done,
    boolean last,
    String fallback) {

  public ShortCircuitResponse {
    batches = batches == null ? List.of() : List.copyOf(batches);
  }

  /**
   * One record batch.
   *
   * @param rows its row count
   * @param columns one entry per field of the schema, in order
   */
  public record Batch(long rows, List<Column> columns) {
    public Batch {
      columns = columns == null ? List.of() : List.copyOf(columns);
    }
  }

  /**
   * Where a column of a batch is.
   *
   * @param file the file's name in the directory (no separators)
   * @param batch the index of the record batch in that file
   */
  public record Column(String file, int batch) {}
}
