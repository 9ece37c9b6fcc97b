package io.quiver.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One level of a listing ({@link Storage#listDirectory}): the objects directly below a prefix and
 * the "directories" below it (prefixes one segment longer that hold objects). Immutable.
 *
 * @param files the objects directly below the prefix, sorted by location
 * @param directories the directories directly below the prefix, sorted
 */
public record DirectoryListing(List<FileEntry> files, List<Location> directories) {
  public DirectoryListing {
    List<FileEntry> f = new ArrayList<>(files);
    f.sort(Comparator.comparing(FileEntry::location));
    files = List.copyOf(f);
    List<Location> d = new ArrayList<>(directories);
    d.sort(Comparator.naturalOrder());
    directories = List.copyOf(d);
  }

  /**
   * The level below {@code prefix} of a recursive listing {@code entries} (entries not strictly
   * below {@code prefix} are ignored).
   */
  public static DirectoryListing of(Location prefix, java.util.Iterator<FileEntry> entries) {
    List<FileEntry> files = new ArrayList<>();
    java.util.Set<Location> directories = new java.util.HashSet<>();
    while (entries.hasNext()) {
      FileEntry e = entries.next();
      Location l = e.location();
      if (l.equals(prefix) || !prefix.contains(l)) {
        continue;
      }
      String relative = prefix.relativize(l);
      int slash = relative.indexOf('/');
      if (slash < 0) {
        files.add(e);
      } else {
        directories.add(prefix.resolve(relative.substring(0, slash)));
      }
    }
    return new DirectoryListing(files, new ArrayList<>(directories));
  }

  /** Whether nothing is below the prefix. */
  public boolean isEmpty() {
    return files.isEmpty() && directories.isEmpty();
  }
}
