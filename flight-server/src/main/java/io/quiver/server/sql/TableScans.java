package io.quiver.server.sql;

import io.quiver.protocol.ScanCommand;
import java.io.IOException;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What the SQL engine needs of the node: the catalog's tables and their schemas, and in-process
 * scans of them through the cache (the same planning, pruning, filtering and zero-copy batches as a
 * Flight DoGet, without a socket). Thread-safe.
 */
public interface TableScans {
  /** The catalog's table names. */
  List<String> tableNames();

  /**
   * The table's Arrow schema.
   *
   * @throws io.quiver.catalog.NoSuchTableException if there is no such table
   */
  Schema schema(String table) throws IOException;

  /**
   * Plans {@code command} and returns a reader of its batches. Planning happens now (so a missing
   * table or a bad filter fails here); units are read as the reader is pulled.
   *
   * @param allocator where the reader's root and filtered copies live; the reader's batches share
   *     the cache's buffers otherwise
   * @return a reader the caller closes
   */
  ArrowReader scan(ScanCommand command, BufferAllocator allocator) throws IOException;
}
