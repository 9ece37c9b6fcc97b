package io.quiver.format.parquet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputDecompressor;
import org.brotli.dec.BrotliInputStream;

/**
 * Brotli pages for the Java decoder, with Google's pure-Java reference decoder ({@code
 * org.brotli:dec}): parquet-java looks for a Hadoop {@code BrotliCodec} that needs a native
 * library. A page must decompress to exactly its declared (already bounded) size; more or fewer
 * bytes is damaged data.
 *
 * <p>Stateless and thread-safe.
 */
final class BrotliDecompressor implements BytesInputDecompressor {
  static final BrotliDecompressor INSTANCE = new BrotliDecompressor();

  private BrotliDecompressor() {}

  @Override
  public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
    return BytesInput.from(inflate(bytes.toInputStream(), uncompressedSize));
  }

  @Override
  public void decompress(
      ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
      throws IOException {
    byte[] compressed = new byte[compressedSize];
    input.duplicate().get(compressed);
    output.put(inflate(new ByteArrayInputStream(compressed), uncompressedSize));
  }

  @Override
  public void release() {}

  private static byte[] inflate(InputStream compressed, int uncompressedSize) throws IOException {
    byte[] out = new byte[uncompressedSize];
    try (InputStream in = new BrotliInputStream(compressed)) {
      int n = in.readNBytes(out, 0, uncompressedSize);
      if (n != uncompressedSize || in.read() != -1) {
        throw new IOException(
            "a Brotli page does not decompress to its declared " + uncompressedSize + " bytes");
      }
    }
    return out;
  }
}
