package io.quiver.format.parquet;

import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputDecompressor;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.schema.MessageType;

/**
 * The pages of the column chunks of some columns of one row group, as parquet-java's {@link
 * PageReadStore}, so that its {@code ColumnReader}s decode them.
 *
 * <p>The chunks' byte ranges are read from storage, touching chunks together, in reads of at most
 * {@value #READ_BYTES} bytes (each exactly its range, nothing else), and every page of every chunk
 * is checked by {@link ColumnChunkPages} before anything else happens: sizes, counts, checksums.
 * Pages stay compressed in memory; each is decompressed when its column reader asks for it, with a
 * size the check has bounded. This replaces parquet-java's {@code ParquetFileReader}, which
 * allocates whatever a page header declares: for the last chunk it reads, a buffer for the bytes a
 * page claims beyond the chunk (a workaround for an old parquet-mr bug), and decompression buffers
 * of any {@code uncompressed_page_size}.
 *
 * <p>Not thread-safe; heap only (nothing to close).
 */
final class ChunkPageStore implements PageReadStore {
  /** Longest single storage read (the allocation unit of parquet-java's reader as well). */
  static final int READ_BYTES = 8 << 20;

  private static final ParquetMetadataConverter CONVERTER = new ParquetMetadataConverter();

  private final Map<ColumnPath, ChunkReader> readers;
  private final long rowCount;

  private ChunkPageStore(Map<ColumnPath, ChunkReader> readers, long rowCount) {
    this.readers = readers;
    this.rowCount = rowCount;
  }

  /** One requested column chunk; {@code end} includes any PARQUET-816 padding. */
  private record Chunk(ColumnDescriptor column, ColumnChunkMetaData meta, long end) {
    long start() {
      return meta.getStartingPos();
    }
  }

  /** A contiguous byte range holding one or more chunks, read in pieces. */
  private static final class Run {
    final long start;
    long end;
    final List<byte[]> pieces = new ArrayList<>();

    Run(long start, long end) {
      this.start = start;
      this.end = end;
    }
  }

  /**
   * Reads and checks the chunks of every leaf of {@code projection} in row group {@code rowGroup}.
   *
   * @param codecs decompressors for the pages; borrowed, must outlive the store's use
   * @param maxPageBytes budget for a page's uncompressed size, see {@link ColumnChunkPages}
   * @param padding bytes a chunk may reach past its declared size, within the file ({@link
   *     ParquetFooters#chunkPadding})
   * @throws CorruptParquetException naming file, row group and column if a chunk is missing or any
   *     of its pages is damaged or declares an impossible size
   * @throws IOException if storage fails, as thrown by {@code input}
   */
  static ChunkPageStore read(
      StorageInput input,
      BlockMetaData block,
      int rowGroup,
      MessageType projection,
      CompressionCodecFactory codecs,
      int maxPageBytes,
      int padding)
      throws IOException {
    Location location = input.entry().location();
    long fileLength = input.entry().length();
    Map<ColumnPath, ColumnChunkMetaData> metas = new HashMap<>();
    for (ColumnChunkMetaData meta : block.getColumns()) {
      metas.put(meta.getPath(), meta);
    }
    List<Chunk> chunks = new ArrayList<>();
    for (ColumnDescriptor column : projection.getColumns()) {
      ColumnChunkMetaData meta = metas.get(ColumnPath.get(column.getPath()));
      if (meta == null) {
        throw new CorruptParquetException(where(location, rowGroup, column) + "no column chunk");
      }
      long declaredEnd = meta.getStartingPos() + meta.getTotalSize();
      chunks.add(
          new Chunk(
              column, meta, Math.max(declaredEnd, Math.min(declaredEnd + padding, fileLength))));
    }

    // Touching chunks are read together, as parquet-java does.
    List<Chunk> byStart = new ArrayList<>(chunks);
    byStart.sort(Comparator.comparingLong(Chunk::start));
    List<Run> runs = new ArrayList<>();
    Map<Chunk, Run> runOf = new HashMap<>();
    Run current = null;
    for (Chunk chunk : byStart) {
      if (current == null || chunk.start() > current.end) {
        current = new Run(chunk.start(), chunk.end());
        runs.add(current);
      } else {
        current.end = Math.max(current.end, chunk.end()); // touching, or overlapped by padding
      }
      runOf.put(chunk, current);
    }
    for (Run run : runs) {
      for (long at = run.start; at < run.end; ) {
        int n = (int) Math.min(READ_BYTES, run.end - at);
        byte[] piece = new byte[n];
        input.readFully(at, piece, 0, n);
        run.pieces.add(piece);
        at += n;
      }
    }

    Map<ColumnPath, ChunkReader> readers = new HashMap<>();
    for (Chunk chunk : chunks) {
      String where = where(location, rowGroup, chunk.column());
      List<ColumnChunkPages.Page> pages =
          ColumnChunkPages.read(
              slices(runOf.get(chunk), chunk.start(), chunk.end()),
              chunk.column(),
              chunk.meta(),
              block.getRowCount(),
              maxPageBytes,
              where);
      readers.put(chunk.meta().getPath(), new ChunkReader(chunk, pages, codecs, where));
    }
    return new ChunkPageStore(readers, block.getRowCount());
  }

  /** Views of the bytes {@code [start, end)} of the file, all inside {@code run}. */
  private static List<ByteBuffer> slices(Run run, long start, long end) {
    List<ByteBuffer> slices = new ArrayList<>();
    long pieceStart = run.start;
    for (byte[] piece : run.pieces) {
      long pieceEnd = pieceStart + piece.length;
      long from = Math.max(start, pieceStart);
      long to = Math.min(end, pieceEnd);
      if (from < to) {
        slices.add(ByteBuffer.wrap(piece, (int) (from - pieceStart), (int) (to - from)).slice());
      }
      pieceStart = pieceEnd;
    }
    return slices;
  }

  /** Message prefix naming the file, row group, top-level column and (if nested) the leaf. */
  static String where(Location location, int rowGroup, ColumnDescriptor column) {
    String[] path = column.getPath();
    return RowGroupDecoder.corruptPrefix(location, rowGroup, path[0])
        + (path.length > 1 ? "leaf " + String.join(".", path) + ": " : "");
  }

  @Override
  public PageReader getPageReader(ColumnDescriptor descriptor) {
    ChunkReader reader = readers.get(ColumnPath.get(descriptor.getPath()));
    if (reader == null) {
      throw new IllegalArgumentException(
          "Column " + String.join(".", descriptor.getPath()) + " was not read");
    }
    return reader;
  }

  @Override
  public long getRowCount() {
    return rowCount;
  }

  /**
   * The pages of one chunk, decompressed on demand. Failures are parquet-java's unchecked {@link
   * ParquetDecodingException}, which the decoders turn into a {@link CorruptParquetException}.
   */
  private static final class ChunkReader implements PageReader {
    private final Chunk chunk;
    private final CompressionCodecFactory codecs;
    private final String where;
    private final DictionaryPage dictionary;
    private final ArrayDeque<DataPage> pages = new ArrayDeque<>();
    private BytesInputDecompressor decompressor;

    ChunkReader(
        Chunk chunk,
        List<ColumnChunkPages.Page> checked,
        CompressionCodecFactory codecs,
        String where) {
      this.chunk = chunk;
      this.codecs = codecs;
      this.where = where;
      DictionaryPage dictionaryPage = null;
      for (ColumnChunkPages.Page page : checked) {
        PageHeader header = page.header();
        int uncompressed = header.getUncompressed_page_size();
        switch (header.getType()) {
          case DICTIONARY_PAGE:
            {
              DictionaryPageHeader h = header.getDictionary_page_header();
              dictionaryPage =
                  new DictionaryPage(
                      BytesInput.from(page.body()),
                      uncompressed,
                      h.getNum_values(),
                      CONVERTER.getEncoding(h.getEncoding()));
              break;
            }
          case DATA_PAGE:
            {
              DataPageHeader h = header.getData_page_header();
              pages.add(
                  new DataPageV1(
                      BytesInput.from(page.body()),
                      h.getNum_values(),
                      uncompressed,
                      null,
                      CONVERTER.getEncoding(h.getRepetition_level_encoding()),
                      CONVERTER.getEncoding(h.getDefinition_level_encoding()),
                      CONVERTER.getEncoding(h.getEncoding())));
              break;
            }
          case DATA_PAGE_V2:
            {
              DataPageHeaderV2 h = header.getData_page_header_v2();
              ByteBufferInputStream body = ByteBufferInputStream.wrap(page.body());
              int rl = h.getRepetition_levels_byte_length();
              int dl = h.getDefinition_levels_byte_length();
              try {
                BytesInput repetition = BytesInput.from(body.sliceBuffers(rl));
                BytesInput definition = BytesInput.from(body.sliceBuffers(dl));
                BytesInput data =
                    BytesInput.from(body.sliceBuffers(header.getCompressed_page_size() - rl - dl));
                pages.add(
                    new DataPageV2(
                        h.getNum_rows(),
                        h.getNum_nulls(),
                        h.getNum_values(),
                        repetition,
                        definition,
                        CONVERTER.getEncoding(h.getEncoding()),
                        data,
                        uncompressed,
                        null,
                        h.isIs_compressed()));
              } catch (IOException e) {
                throw new IllegalStateException("Checked level sizes out of range", e);
              }
              break;
            }
          default:
            break;
        }
      }
      this.dictionary = dictionaryPage;
    }

    private BytesInputDecompressor decompressor() {
      if (decompressor == null) {
        decompressor =
            chunk.meta().getCodec() == CompressionCodecName.BROTLI
                ? BrotliDecompressor.INSTANCE
                : codecs.getDecompressor(chunk.meta().getCodec());
      }
      return decompressor;
    }

    private BytesInput decompress(BytesInput bytes, int uncompressedSize, String what) {
      try {
        return decompressor().decompress(bytes, uncompressedSize);
      } catch (IOException e) {
        throw new ParquetDecodingException("could not decompress " + what + ": " + e, e);
      }
    }

    @Override
    public long getTotalValueCount() {
      return chunk.meta().getValueCount();
    }

    @Override
    public DictionaryPage readDictionaryPage() {
      if (dictionary == null) {
        return null;
      }
      return new DictionaryPage(
          decompress(
              dictionary.getBytes(), dictionary.getUncompressedSize(), "the dictionary page"),
          dictionary.getDictionarySize(),
          dictionary.getEncoding());
    }

    @Override
    public DataPage readPage() {
      DataPage page = pages.poll();
      if (page instanceof DataPageV1 v1) {
        return new DataPageV1(
            decompress(v1.getBytes(), v1.getUncompressedSize(), "a data page"),
            v1.getValueCount(),
            v1.getUncompressedSize(),
            null,
            v1.getRlEncoding(),
            v1.getDlEncoding(),
            v1.getValueEncoding());
      }
      if (page instanceof DataPageV2 v2 && v2.isCompressed()) {
        int levels = (int) (v2.getRepetitionLevels().size() + v2.getDefinitionLevels().size());
        return DataPageV2.uncompressed(
            v2.getRowCount(),
            v2.getNullCount(),
            v2.getValueCount(),
            v2.getRepetitionLevels(),
            v2.getDefinitionLevels(),
            v2.getDataEncoding(),
            decompress(v2.getData(), v2.getUncompressedSize() - levels, "a data page v2"),
            null);
      }
      return page;
    }

    @Override
    public String toString() {
      return where + pages.size() + " pages left";
    }
  }
}
