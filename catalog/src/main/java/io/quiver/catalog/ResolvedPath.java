package io.quiver.catalog;

import io.quiver.storage.Location;
import io.quiver.storage.Storage;

/**
 * A namespace path resolved through its mount: the store location it names and the storage that
 * reads it. The storage is borrowed from the catalog: never close it.
 */
public record ResolvedPath(NamespacePath path, Mount mount, Location location, Storage storage) {}
