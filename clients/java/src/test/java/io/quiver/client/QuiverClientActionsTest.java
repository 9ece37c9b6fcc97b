package io.quiver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.protocol.ErrorCode;
import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.CacheFreeRequest;
import io.quiver.protocol.action.CacheLoadProgress;
import io.quiver.protocol.action.CacheLoadRequest;
import io.quiver.protocol.action.CacheLsRequest;
import io.quiver.protocol.action.CacheLsResponse;
import io.quiver.protocol.action.CreateTableRequest;
import io.quiver.protocol.action.CreateTableResponse;
import io.quiver.protocol.action.DropTableRequest;
import io.quiver.protocol.action.Empty;
import io.quiver.protocol.action.MountInfo;
import io.quiver.protocol.action.MountRequest;
import io.quiver.protocol.action.PinRequest;
import io.quiver.protocol.action.PinResponse;
import io.quiver.protocol.action.StatsResponse;
import io.quiver.protocol.action.TableInfo;
import io.quiver.protocol.action.TablesRequest;
import io.quiver.protocol.action.UnpinRequest;
import io.quiver.server.TestNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed actions of {@link QuiverClient#call} against a real node. */
class QuiverClientActionsTest {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType("message t { required int64 id; optional int32 v; }");

  @TempDir Path tmp;

  private static void write(Path file, int rows) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(SCHEMA)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withRowGroupRowCountLimit(500)
            .build()) {
      for (int i = 0; i < rows; i++) {
        writer.write(groups.newGroup().append("id", (long) i).append("v", i % 7));
      }
    }
  }

  @Test
  void everyActionTypedThroughTheClient() throws Exception {
    write(Files.createDirectories(tmp.resolve("lake/t")).resolve("part-0.parquet"), 2_000);
    try (TestNode node = TestNode.start(tmp.resolve("data"));
        BufferAllocator allocator = new RootAllocator();
        QuiverClient quiver = QuiverClient.connect(allocator, "127.0.0.1", node.port())) {
      String uri = io.quiver.storage.Location.ofLocalPath(tmp.resolve("lake")).toString();
      MountInfo mounted = quiver.call(Actions.MOUNT, new MountRequest("/lake", uri, Map.of()));
      assertEquals("/lake", mounted.path());
      assertTrue(mounted.available(), mounted.toString());
      assertEquals(List.of(mounted), quiver.call(Actions.MOUNTS, Empty.INSTANCE).mounts());

      CreateTableResponse created =
          quiver.call(Actions.CREATE_TABLE, new CreateTableRequest("s.t", "/lake/t", null));
      assertEquals("parquet", created.format());
      assertEquals(1, created.files());
      assertEquals(2_000, created.rows());
      assertEquals(
          List.of(new TableInfo("s.t", "/lake/t", "parquet")),
          quiver.call(Actions.TABLES, TablesRequest.ALL).tables());

      List<CacheLoadProgress> progress = new ArrayList<>();
      CacheLoadProgress done =
          quiver.call(Actions.CACHE_LOAD, CacheLoadRequest.of("s.t", List.of("v")), progress::add);
      assertTrue(done.done(), done.toString());
      assertEquals(done, progress.get(progress.size() - 1));
      assertEquals(4, done.units());
      assertEquals(2_000, done.rows());
      assertTrue(done.storageBytesRead() > 0, done.toString());

      CacheLsResponse listed = quiver.call(Actions.CACHE_LS, CacheLsRequest.of("/lake/t", 2));
      assertEquals(4, listed.total());
      assertEquals(2, listed.entries().size());
      assertEquals("v", listed.entries().get(0).column());

      PinResponse pinned = quiver.call(Actions.PIN, PinRequest.of("s.t", null, "1h"));
      assertEquals("table:s.t", pinned.pinned());
      assertEquals("PT1H", pinned.ttl());
      StatsResponse stats = quiver.call(Actions.STATS, Empty.INSTANCE);
      assertEquals(4, stats.entries());
      assertEquals(4, stats.pinnedEntries());
      assertEquals(4, stats.memory().entries());
      assertEquals("table:s.t", quiver.call(Actions.UNPIN, UnpinRequest.of("s.t")).unpinned());
      assertEquals(4, quiver.call(Actions.CACHE_FREE, CacheFreeRequest.ALL).freedEntries());

      // The JSON-returning methods keep working, on the same wire format.
      JsonNode tables = quiver.tables();
      assertEquals("s.t", tables.path("tables").get(0).path("name").asText());
      JsonNode loaded = quiver.load("/lake/t", null, r -> {});
      assertEquals("done", loaded.path("state").asText());
      assertEquals("ok", quiver.call(Actions.HEALTH, Empty.INSTANCE).status());

      // Errors are the server's, with its code; invalid requests are refused before sending.
      FlightRuntimeException missing =
          assertThrows(
              FlightRuntimeException.class,
              () -> quiver.call(Actions.DROP_TABLE, new DropTableRequest("no.such")));
      assertEquals(FlightStatusCode.NOT_FOUND, missing.status().code());
      assertEquals(ErrorCode.NOT_FOUND, QuiverClient.errorCode(missing).orElseThrow());
      assertThrows(IllegalArgumentException.class, () -> CacheLsRequest.of("s.t", 0));
      assertEquals("s.t", quiver.call(Actions.DROP_TABLE, new DropTableRequest("s.t")).dropped());
      assertNull(
          quiver.call(Actions.TABLES, TablesRequest.ALL).tables().stream()
              .filter(t -> t.name().equals("s.t"))
              .findAny()
              .orElse(null));
    }
  }
}
