package io.quiver.bench.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A directory of generated datasets, one sub-directory per {@link DatasetSpec#key()}. A dataset is
 * generated only when its directory lacks the {@code _GENERATED} marker, which is written last, so
 * an interrupted generation is redone rather than reused.
 *
 * <p>Not safe for two processes generating the same dataset at once.
 */
public final class GeneratedDatasets {
  static final String MARKER = "_GENERATED";

  private final Path root;

  public GeneratedDatasets(Path root) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath();
  }

  /** Whether {@code spec} is already generated. */
  public boolean isGenerated(DatasetSpec spec) throws IOException {
    Path marker = root.resolve(spec.key()).resolve(MARKER);
    return Files.isRegularFile(marker) && Files.readString(marker).strip().equals(spec.key());
  }

  /**
   * The Parquet files of {@code spec}, generating them first if needed.
   *
   * @param listener generation progress (not called when the data is reused)
   */
  public List<Path> ensure(DatasetSpec spec, ProgressListener listener) throws IOException {
    Path dir = root.resolve(spec.key());
    if (!isGenerated(spec)) {
      Files.deleteIfExists(dir.resolve(MARKER));
      LineitemGenerator.write(dir, spec.options(), listener);
      Files.writeString(dir.resolve(MARKER), spec.key() + "\n");
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /** The directory of {@code spec}. */
  public Path directory(DatasetSpec spec) {
    return root.resolve(spec.key());
  }
}
