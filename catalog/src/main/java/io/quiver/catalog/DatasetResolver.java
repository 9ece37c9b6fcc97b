package io.quiver.catalog;

import io.quiver.format.FileFormat;
import io.quiver.format.FileMetadata;
import io.quiver.format.FormatRegistry;
import io.quiver.format.ReadOptions;
import io.quiver.storage.DirectoryListing;
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

  /** What a dataset's columns are defined by: its path, format and declared partition types. */
  private record Shape(NamespacePath path, String format, Map<String, PartitionType> types) {}

  /** The file columns of each dataset as last resolved whole (bounded: a cache). */
  private final com.github.benmanes.caffeine.cache.Cache<Shape, List<Field>> wholeColumns =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).build();

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
    return dataset(name, path, format, declared, null, null);
  }

  /**
   * Like {@link #dataset(String, NamespacePath, String, Map)}, keeping only the files whose
   * partition values {@code filter} may match. Discovery prunes while it descends: on a store that
   * lists one directory level by itself ({@link Storage#supportsDirectoryListing()}) the {@code
   * key=value} directories of keys the filter reads are listed level by level and a rejected one is
   * not listed at all; the rest is listed as a whole. No footer of a rejected file is read. A key's
   * type is declared, or inferred from the values listed at its level (so a scan typing it
   * differently than a whole listing would is possible only for keys mixing integers, dates and
   * other text: declare those).
   *
   * <p>Such a dataset's file columns are the whole dataset's as last resolved here when the kept
   * files read as them (so a scan of some partitions has the table's schema), else the kept files'
   * own, unified. When the filter rejects every file, the whole dataset is resolved (its schema is
   * needed to answer with no rows).
   *
   * <p>With declared {@code columns} (a table's {@link TableDefinition#schema()}) the dataset's
   * file columns are those, whatever the files hold: a column a file lacks reads as nulls there, a
   * file's other columns are not exposed, and a file whose column is of a type that does not widen
   * to the declared one ({@link SchemaUnifier}'s rules) is refused naming the file and both types.
   *
   * @param columns the declared columns, or null to unify the files'
   * @param filter null to keep every file
   */
  Dataset dataset(
      String name,
      NamespacePath path,
      String format,
      Map<String, PartitionType> declared,
      Schema columns,
      PartitionFilter filter)
      throws IOException {
    FileFormat wanted = format == null ? null : formats.format(format);
    ResolvedPath resolved = resolve.apply(path);
    if (filter != null && !filter.columns().isEmpty()) {
      Map<String, PartitionType> types = new LinkedHashMap<>(declared);
      List<FileEntry> candidates =
          resolved.storage().supportsDirectoryListing()
              ? descend(path, resolved, wanted, types, filter)
              : listAll(path, resolved, wanted);
      List<FileEntry> kept = prune(path, resolved, candidates, types, filter);
      if (!kept.isEmpty()) {
        Map<String, PartitionType> fixed = new LinkedHashMap<>(declared);
        Map<String, String> keys =
            partitionTexts(resolved.location(), kept.get(0).location(), path);
        for (String key : keys.keySet()) {
          fixed.put(key, types.get(key));
        }
        return build(name, path, resolved, wanted, kept, fixed, columns, format, declared, false);
      }
    }
    return build(
        name,
        path,
        resolved,
        wanted,
        listAll(path, resolved, wanted),
        declared,
        columns,
        format,
        declared,
        true);
  }

  /** Every data file at {@code path}, sorted; one recursive listing. */
  private List<FileEntry> listAll(NamespacePath path, ResolvedPath resolved, FileFormat wanted)
      throws IOException {
    List<FileEntry> entries;
    try (Stream<FileEntry> listing = resolved.storage().list(resolved.location())) {
      entries =
          listing
              .filter(e -> isDataFile(resolved.location(), e.location(), wanted))
              .limit(MAX_FILES + 1L)
              .sorted(Comparator.comparing(FileEntry::location))
              .toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    checkCount(entries.size(), path);
    return entries;
  }

  private static void checkCount(int files, NamespacePath path) {
    if (files > MAX_FILES) {
      throw new InvalidTableException(
          "More than "
              + MAX_FILES
              + " data files at "
              + path
              + "; define tables over narrower paths (e.g. one per partition)");
    }
  }

  /** A directory reached while descending, with the partition texts of the levels above. */
  private record Level(Location location, Map<String, String> texts) {}

  /**
   * The data files below {@code path} whose {@code key=value} directories of keys {@code filter}
   * reads it may match, listed one level at a time; other directories are listed as a whole. Fills
   * {@code types} with the type of every key pruned on.
   */
  private List<FileEntry> descend(
      NamespacePath path,
      ResolvedPath resolved,
      FileFormat wanted,
      Map<String, PartitionType> types,
      PartitionFilter filter)
      throws IOException {
    Storage storage = resolved.storage();
    Location root = resolved.location();
    List<FileEntry> found = new ArrayList<>();
    List<Location> whole = new ArrayList<>();
    List<Level> level = List.of(new Level(root, Map.of()));
    while (!level.isEmpty()) {
      List<Level> children = new ArrayList<>();
      for (Level dir : level) {
        DirectoryListing listing = storage.listDirectory(dir.location());
        List<Level> constrained = new ArrayList<>();
        List<Location> others = new ArrayList<>();
        for (Location d : listing.directories()) {
          String segment = d.fileName();
          if (segment.startsWith(".") || segment.startsWith("_")) {
            continue; // hidden: never data
          }
          int eq = segment.indexOf('=');
          String key = eq <= 0 ? null : PartitionType.unescape(segment.substring(0, eq));
          if (key == null || dir.texts().containsKey(key) || !filter.columns().contains(key)) {
            others.add(d); // not pruned on (a malformed key is reported when built)
            continue;
          }
          Map<String, String> texts = new LinkedHashMap<>(dir.texts());
          texts.put(key, PartitionType.unescape(segment.substring(eq + 1)));
          constrained.add(new Level(d, texts));
        }
        if (constrained.isEmpty() && others.size() > 1) {
          whole.add(dir.location()); // one listing of everything below, rather than one per child
          continue;
        }
        for (FileEntry f : listing.files()) {
          if (isDataFile(root, f.location(), wanted)) {
            found.add(f);
          }
        }
        checkCount(found.size(), path);
        whole.addAll(others);
        children.addAll(constrained);
      }
      inferMissing(types, children.stream().map(Level::texts).toList());
      level = children.stream().filter(c -> mayMatch(filter, types, c.texts())).toList();
    }
    for (Location d : whole) {
      try (Stream<FileEntry> listing = storage.list(d)) {
        listing
            .filter(e -> isDataFile(root, e.location(), wanted))
            .limit(MAX_FILES + 1L)
            .forEach(found::add);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      checkCount(found.size(), path);
    }
    found.sort(Comparator.comparing(FileEntry::location));
    return found;
  }

  /** The {@code candidates} whose partition values {@code filter} may match. */
  private static List<FileEntry> prune(
      NamespacePath path,
      ResolvedPath resolved,
      List<FileEntry> candidates,
      Map<String, PartitionType> types,
      PartitionFilter filter) {
    Location root = resolved.location();
    List<Map<String, String>> texts = new ArrayList<>(candidates.size());
    for (FileEntry e : candidates) {
      texts.add(partitionTexts(root, e.location(), path.resolve(root.relativize(e.location()))));
    }
    inferMissing(types, texts);
    List<FileEntry> kept = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      if (mayMatch(filter, types, texts.get(i))) {
        kept.add(candidates.get(i));
      }
    }
    return kept;
  }

  /** Adds to {@code types} the inferred type of every key of {@code texts} it lacks. */
  private static void inferMissing(
      Map<String, PartitionType> types, List<Map<String, String>> texts) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (Map<String, String> t : texts) {
      for (Map.Entry<String, String> e : t.entrySet()) {
        if (!types.containsKey(e.getKey())) {
          values.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
      }
    }
    values.forEach((key, v) -> types.put(key, infer(v)));
  }

  /**
   * Whether {@code filter} may match rows under directories of these texts: true if a value is not
   * of its key's type (the file is kept, and refused or typed when the dataset is built).
   */
  private static boolean mayMatch(
      PartitionFilter filter, Map<String, PartitionType> types, Map<String, String> texts) {
    Map<String, PartitionType> known = new LinkedHashMap<>();
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : texts.entrySet()) {
      PartitionType type = types.get(e.getKey());
      if (type == null) {
        continue;
      }
      try {
        values.put(e.getKey(), type.parse(e.getValue()));
      } catch (IllegalArgumentException notOfType) {
        return true;
      }
      known.put(e.getKey(), type);
    }
    return values.isEmpty() || filter.mayMatch(known, values);
  }

  /**
   * Checks that every column of {@code file} that the table declares reads as the declared type (it
   * is that type or widens to it).
   *
   * @throws InvalidTableException naming the file, the column and both types
   */
  private static void checkReadableAs(NamespacePath file, Schema fileSchema, Schema declared) {
    for (Field f : fileSchema.getFields()) {
      Field target;
      try {
        target = declared.findField(f.getName());
      } catch (IllegalArgumentException notDeclared) {
        continue; // not exposed
      }
      Field unified = SchemaUnifier.unify(target, f);
      if (unified == null || !unified.getType().equals(target.getType())) {
        throw new InvalidTableException(
            "File "
                + file
                + " has column '"
                + f.getName()
                + "' of type "
                + (f.getChildren().isEmpty()
                    ? DeclaredSchema.typeName(f.getType())
                    : f.toString().substring(f.getName().length() + 2))
                + ", which cannot be read as the declared type "
                + DeclaredSchema.typeName(target.getType())
                + " (a file's column must be the declared type or widen to it: int32 to int64,"
                + " float to double)");
      }
    }
  }

  /** Whether columns {@code some} read as {@code all}: each is there, as it is or widened. */
  private static boolean readAs(List<Field> some, List<Field> all) {
    Map<String, Field> byName = new LinkedHashMap<>();
    all.forEach(f -> byName.put(f.getName(), f));
    for (Field f : some) {
      Field target = byName.get(f.getName());
      Field unified = target == null ? null : SchemaUnifier.unify(target, f);
      if (unified == null || !unified.equals(target)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Int64 if every value is an integer, else date if every one is a yyyy-mm-dd date, else string.
   */
  private static PartitionType infer(List<String> values) {
    for (PartitionType candidate : List.of(PartitionType.INT64, PartitionType.DATE)) {
      if (values.stream().allMatch(candidate::accepts)) {
        return candidate;
      }
    }
    return PartitionType.STRING;
  }

  /**
   * The dataset of {@code entries} (sorted data files at {@code path}).
   *
   * @param whole whether {@code entries} are all the files (else some partitions were pruned)
   */
  private Dataset build(
      String name,
      NamespacePath path,
      ResolvedPath resolved,
      FileFormat wanted,
      List<FileEntry> entries,
      Map<String, PartitionType> declared,
      Schema columns,
      String format,
      Map<String, PartitionType> definedTypes,
      boolean whole)
      throws IOException {
    Storage storage = resolved.storage();
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
    if (columns != null) {
      unifier.add(path, columns); // the table's columns, whatever the files hold
    }
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
      if (columns == null) {
        unifier.add(filePath, file.metadata().schema());
      } else {
        checkReadableAs(filePath, file.metadata().schema(), columns);
      }
      files.add(file);
      partitionTexts.add(texts);
    }
    Map<String, PartitionType> partitionTypes =
        partitionTypes(keys, partitionTexts, declared, files, unifier);
    List<Field> fields = new ArrayList<>(unifier.fields());
    Shape shape = new Shape(path, format, definedTypes);
    if (columns != null) {
      // Declared: the same whatever was kept.
    } else if (whole) {
      wholeColumns.put(shape, List.copyOf(fields));
    } else {
      // The columns of the whole dataset, as last resolved, if the kept files read as them: a
      // scan of some partitions then has the schema of the table (the others read as nulls).
      List<Field> known = wholeColumns.getIfPresent(shape);
      if (known != null && readAs(fields, known)) {
        fields = new ArrayList<>(known);
      }
    }
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
      List<String> values = new ArrayList<>(texts.size());
      for (Map<String, String> t : texts) {
        values.add(t.get(key));
      }
      PartitionType inferred = infer(values);
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
