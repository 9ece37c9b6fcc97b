package io.quiver.catalog;

import io.quiver.format.FileFormat;
import io.quiver.format.FileMetadata;
import io.quiver.format.FormatRegistry;
import io.quiver.format.ReadOptions;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
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
   * through the metadata cache and derives the dataset's schema: the files' columns unified by name
   * ({@link SchemaUnifier}), then one typed column per hive-style {@code key=value} directory level
   * ({@link PartitionType}; {@code __HIVE_DEFAULT_PARTITION__} is null, {@code %xx} escapes are
   * decoded).
   *
   * @param format the format's name, or null to take files of any known format (they must all be of
   *     one format; a single file named directly without a known extension is read as Parquet)
   * @throws NoSuchPathException if nothing exists at the path
   * @throws InvalidTableException if there are no data files, formats are mixed, a footer is
   *     corrupt, a column's types cannot be unified across files or partition directories are
   *     inconsistent
   * @throws IllegalArgumentException if {@code format} is unknown
   */
  Dataset dataset(String name, NamespacePath path, String format) throws IOException {
    return dataset(name, path, format, Map.of());
  }

  /**
   * Like {@link #dataset(String, NamespacePath, String)} with the types declared for some partition
   * columns (the others are inferred).
   */
  Dataset dataset(
      String name, NamespacePath path, String format, Map<String, PartitionType> declared)
      throws IOException {
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
    List<Map<String, String>> partitionTexts = new ArrayList<>(entries.size());
    SchemaUnifier unifier = new SchemaUnifier();
    DataFile first = null;
    List<String> keys = null;
    for (FileEntry entry : entries) {
      NamespacePath filePath = path.resolve(resolved.location().relativize(entry.location()));
      Map<String, String> texts = partitionTexts(resolved.location(), entry.location(), filePath);
      List<String> fileKeys = List.copyOf(texts.keySet());
      FileFormat fileFormat = wanted != null ? wanted : formatOf(entry.location());
      DataFile file =
          new DataFile(
              filePath,
              entry,
              metadataOf(storage, entry, fileFormat, resolved.mount().readOptions(), filePath));
      if (first == null) {
        first = file;
        keys = fileKeys;
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
      } else if (!keys.equals(fileKeys)) {
        throw new InvalidTableException(
            "File "
                + filePath
                + " is under partition directories "
                + describeKeys(fileKeys)
                + " but "
                + first.path()
                + " is under "
                + describeKeys(keys)
                + "; every file of a partitioned table must be at the same depth of key=value"
                + " directories, in the same key order");
      }
      unifier.add(filePath, file.metadata().schema());
      files.add(file);
      partitionTexts.add(texts);
    }
    Map<String, PartitionType> partitionTypes =
        partitionTypes(keys, partitionTexts, declared, files, unifier);
    List<Field> fields = new ArrayList<>(unifier.fields());
    for (Map.Entry<String, PartitionType> p : partitionTypes.entrySet()) {
      fields.add(new Field(p.getKey(), FieldType.nullable(p.getValue().arrowType()), null));
    }
    if (!partitionTypes.isEmpty()) {
      List<DataFile> typed = new ArrayList<>(files.size());
      for (int i = 0; i < files.size(); i++) {
        DataFile f = files.get(i);
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, PartitionType> p : partitionTypes.entrySet()) {
          values.put(p.getKey(), p.getValue().parse(partitionTexts.get(i).get(p.getKey())));
        }
        typed.add(new DataFile(f.path(), f.entry(), f.metadata(), values));
      }
      files = typed;
    }
    return new Dataset(name, path, first.format(), new Schema(fields), files, partitionTypes);
  }

  /**
   * The partition columns' types: declared ones are checked against every value, the others are
   * int64 if every value is an integer, else date if every value is a yyyy-mm-dd date, else string.
   */
  private static Map<String, PartitionType> partitionTypes(
      List<String> keys,
      List<Map<String, String>> texts,
      Map<String, PartitionType> declared,
      List<DataFile> files,
      SchemaUnifier unifier) {
    for (String d : declared.keySet()) {
      if (!keys.contains(d)) {
        throw new InvalidTableException(
            "Partition column '"
                + d
                + "' is declared but there are no "
                + d
                + "=value directories"
                + (keys.isEmpty() ? "" : " (partition keys: " + String.join(", ", keys) + ")"));
      }
    }
    Map<String, PartitionType> types = new LinkedHashMap<>();
    for (String key : keys) {
      if (unifier.has(key)) {
        throw new InvalidTableException(
            "Partition column '"
                + key
                + "' (from "
                + key
                + "=value directories) is also a column of the files, e.g. "
                + unifier.firstFileWith(key)
                + "; rename the directories or the column");
      }
      PartitionType declaredType = declared.get(key);
      if (declaredType != null) {
        for (int i = 0; i < files.size(); i++) {
          String text = texts.get(i).get(key);
          if (!declaredType.accepts(text)) {
            throw new InvalidTableException(
                "Partition column '"
                    + key
                    + "' is declared "
                    + declaredType.typeName()
                    + " but "
                    + files.get(i).path()
                    + " is under "
                    + key
                    + "="
                    + text
                    + ", which is not a "
                    + declaredType.typeName());
          }
        }
        types.put(key, declaredType);
        continue;
      }
      PartitionType inferred = PartitionType.INT64;
      for (PartitionType candidate : List.of(PartitionType.INT64, PartitionType.DATE)) {
        boolean all = true;
        for (Map<String, String> t : texts) {
          if (!candidate.accepts(t.get(key))) {
            all = false;
            break;
          }
        }
        inferred = all ? candidate : PartitionType.STRING;
        if (all) {
          break;
        }
      }
      types.put(key, inferred);
    }
    return types;
  }

  private static String describeKeys(List<String> keys) {
    return keys.isEmpty() ? "(none)" : String.join("/", keys.stream().map(k -> k + "=…").toList());
  }

  /**
   * The decoded {@code key=value} directory segments between {@code root} and {@code file}, in
   * order (a table over a single file has none).
   *
   * @throws InvalidTableException if a key repeats or is empty
   */
  static Map<String, String> partitionTexts(Location root, Location file, NamespacePath filePath) {
    Map<String, String> texts = new LinkedHashMap<>();
    if (root.equals(file)) {
      return texts;
    }
    String[] segments = root.relativize(file).split("/");
    for (int i = 0; i < segments.length - 1; i++) {
      String segment = segments[i];
      int eq = segment.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = PartitionType.unescape(segment.substring(0, eq));
      String value = PartitionType.unescape(segment.substring(eq + 1));
      if (key.isEmpty()) {
        throw new InvalidTableException(
            "Directory '" + segment + "' above " + filePath + " has an empty partition key");
      }
      if (texts.put(key, value) != null) {
        throw new InvalidTableException(
            "Partition key '" + key + "' appears twice in the path of " + filePath);
      }
    }
    return texts;
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
      Storage storage,
      FileEntry entry,
      FileFormat format,
      ReadOptions options,
      NamespacePath filePath)
      throws IOException {
    try {
      return metadata.get(storage, entry, format, options);
    } catch (FileNotFoundException e) {
      throw new NoSuchPathException(
          "File " + filePath + " disappeared while it was being listed", e);
    }
  }
}
