package io.quiver.catalog;

import io.quiver.format.FileFormat;
import io.quiver.format.FileMetadata;
import io.quiver.format.FormatRegistry;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Dataset discovery: lists the data files under a namespace path, reads their metadata through the
 * metadata cache and derives the dataset's schema. Holds no state of its own beyond its
 * collaborators; thread-safe as long as they are (the catalog's path resolution and the metadata
 * cache are).
 */
final class DatasetResolver {
  private static final int MAX_FILES = Catalog.MAX_FILES;

  private final Function<NamespacePath, ResolvedPath> resolve;
  private final FormatRegistry formats;
  private final MetadataCache metadata;

  /**
   * @param resolve resolves a namespace path through its mount (the catalog's {@code resolve})
   */
  DatasetResolver(
      Function<NamespacePath, ResolvedPath> resolve,
      FormatRegistry formats,
      MetadataCache metadata) {
    this.resolve = resolve;
    this.formats = formats;
    this.metadata = metadata;
  }

  /**
   * Lists the data files at {@code path} (the file itself, or every file with the format's
   * extension below a directory, skipping hidden {@code .}/{@code _} names), reads their metadata
   * through the metadata cache and checks they share one schema.
   *
   * @param format the format's name, or null to take files of any known format (they must all be of
   *     one format; a single file named directly without a known extension is read as Parquet)
   * @throws NoSuchPathException if nothing exists at the path
   * @throws InvalidTableException if there are no data files, formats are mixed, a footer is
   *     corrupt or schemas differ
   * @throws io.quiver.format.UnsupportedSchemaException naming a column that cannot be decoded
   * @throws IllegalArgumentException if {@code format} is unknown
   */
  Dataset dataset(String name, NamespacePath path, String format) throws IOException {
    FileFormat wanted = format == null ? null : formats.format(format);
    ResolvedPath resolved = resolve.apply(path);
    Storage storage = resolved.storage();
    List<FileEntry> entries;
    try (Stream<FileEntry> listing = storage.list(resolved.location())) {
      entries =
          listing
              .filter(e -> isDataFile(resolved.location(), e.location(), wanted))
              .limit(MAX_FILES + 1L)
              .sorted(Comparator.comparing(FileEntry::location))
              .toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (entries.size() > MAX_FILES) {
      throw new InvalidTableException(
          "More than "
              + MAX_FILES
              + " data files at "
              + path
              + "; define tables over narrower paths (e.g. one per partition)");
    }
    if (entries.isEmpty()) {
      if (!storage.exists(resolved.location())) {
        throw new NoSuchPathException(
            "Nothing exists at " + path + " (" + resolved.location() + ")");
      }
      throw new InvalidTableException("No " + describeFiles(wanted) + " at " + path);
    }
    List<DataFile> files = new ArrayList<>(entries.size());
    Schema schema = null;
    DataFile first = null;
    for (FileEntry entry : entries) {
      NamespacePath filePath = path.resolve(resolved.location().relativize(entry.location()));
      FileFormat fileFormat = wanted != null ? wanted : formatOf(entry.location());
      DataFile file =
          new DataFile(filePath, entry, metadataOf(storage, entry, fileFormat, filePath));
      Schema fileSchema = file.metadata().schema();
      if (first == null) {
        schema = fileSchema;
        first = file;
      } else if (!first.format().equals(file.format())) {
        throw new InvalidTableException(
            "Files at "
                + path
                + " mix formats ("
                + first.path()
                + " is "
                + first.format()
                + ", "
                + filePath
                + " is "
                + file.format()
                + "); define a table with one format");
      } else if (!schema.equals(fileSchema)) {
        throw new InvalidTableException(
            "File "
                + filePath
                + " has schema "
                + fileSchema
                + ", which differs from "
                + first.path()
                + "'s "
                + schema
                + "; a table's files must share one schema");
      }
      files.add(file);
    }
    return new Dataset(name, path, first.format(), schema, files);
  }

  private String describeFiles(FileFormat wanted) {
    List<FileFormat> fs =
        wanted != null
            ? List.of(wanted)
            : formats.formatNames().stream().map(formats::format).toList();
    List<String> parts = new ArrayList<>();
    for (FileFormat f : fs) {
      parts.add(
          f.name()
              + " files ("
              + String.join(", ", f.extensions().stream().map(e -> "*" + e).toList())
              + ")");
    }
    return String.join(" or ", parts);
  }

  private FileFormat formatOf(Location file) {
    return formats
        .formatOf(file.fileName())
        .orElseGet(() -> formats.format(formats.formatNames().get(0)));
  }

  private boolean isDataFile(Location root, Location file, FileFormat wanted) {
    if (root.equals(file)) {
      return true; // a single file named directly is taken whatever its name
    }
    String rel = root.relativize(file);
    for (String segment : rel.split("/")) {
      if (segment.startsWith(".") || segment.startsWith("_")) {
        return false;
      }
    }
    return wanted != null
        ? wanted.matches(file.fileName())
        : formats.formatOf(file.fileName()).isPresent();
  }

  private FileMetadata metadataOf(
      Storage storage, FileEntry entry, FileFormat format, NamespacePath filePath)
      throws IOException {
    try {
      return metadata.get(storage, entry, format);
    } catch (FileNotFoundException e) {
      throw new NoSuchPathException(
          "File " + filePath + " disappeared while it was being listed", e);
    }
  }
}
