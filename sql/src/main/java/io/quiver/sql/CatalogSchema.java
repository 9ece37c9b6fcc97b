package io.quiver.sql;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.calcite.schema.lookup.Named;

/**
 * Quiver's tables as a Calcite schema tree: a dotted table name is a path, so {@code sales.orders}
 * is table {@code orders} of sub-schema {@code sales}, and {@code lake.raw.events} is table {@code
 * events} of {@code lake} → {@code raw}. Names are listed on every lookup and tables built only
 * when a query names them, so a catalog with many tables costs nothing per query but the tables it
 * uses.
 *
 * <p>Thread-safe if the suppliers are.
 */
public final class CatalogSchema extends AbstractSchema {
  private final List<String> prefix;
  private final Supplier<Collection<String>> tableNames;
  private final Function<String, Table> tables;

  /**
   * @param tableNames the catalog's dotted table names
   * @param tables builds the table of a dotted name (when a query names it), or returns null if it
   *     no longer exists
   */
  public CatalogSchema(Supplier<Collection<String>> tableNames, Function<String, Table> tables) {
    this(List.of(), tableNames, tables);
  }

  private CatalogSchema(
      List<String> prefix,
      Supplier<Collection<String>> tableNames,
      Function<String, Table> tables) {
    this.prefix = List.copyOf(prefix);
    this.tableNames = tableNames;
    this.tables = tables;
  }

  /** Names one level below this schema: tables (leaf) or sub-schemas. */
  private Set<String> children(boolean leaves) {
    Set<String> out = new LinkedHashSet<>();
    for (String dotted : tableNames.get()) {
      List<String> parts = List.of(dotted.split("\\."));
      if (parts.size() <= prefix.size() || !startsWith(parts)) {
        continue;
      }
      boolean leaf = parts.size() == prefix.size() + 1;
      if (leaf == leaves) {
        out.add(parts.get(prefix.size()));
      }
    }
    return out;
  }

  private boolean startsWith(List<String> parts) {
    for (int i = 0; i < prefix.size(); i++) {
      if (!parts.get(i).equals(prefix.get(i))) {
        return false;
      }
    }
    return true;
  }

  private String dotted(String name) {
    return prefix.isEmpty() ? name : String.join(".", prefix) + "." + name;
  }

  @Override
  public Lookup<Table> tables() {
    return new NameLookup<>(() -> children(true), name -> tables.apply(dotted(name)));
  }

  @Override
  public Lookup<? extends Schema> subSchemas() {
    return new NameLookup<>(
        () -> children(false),
        name -> {
          List<String> next = new ArrayList<>(prefix);
          next.add(name);
          return new CatalogSchema(next, tableNames, tables);
        });
  }

  /** Looks names up among a live list, building only the entity asked for. */
  private static final class NameLookup<T> implements Lookup<T> {
    private final Supplier<Set<String>> names;
    private final Function<String, T> build;

    NameLookup(Supplier<Set<String>> names, Function<String, T> build) {
      this.names = names;
      this.build = build;
    }

    @Override
    public T get(String name) {
      return names.get().contains(name) ? build.apply(name) : null;
    }

    @Override
    public Named<T> getIgnoreCase(String name) {
      String found = null;
      for (String n : names.get()) {
        if (n.equals(name)) {
          found = n;
          break;
        }
        if (found == null && n.equalsIgnoreCase(name)) {
          found = n;
        }
      }
      if (found == null) {
        return null;
      }
      T entity = build.apply(found);
      return entity == null ? null : new Named<>(found, entity);
    }

    @Override
    public Set<String> getNames(LikePattern pattern) {
      Set<String> out = new LinkedHashSet<>();
      var matcher = pattern.matcher();
      for (String n : names.get()) {
        if (matcher.apply(n)) {
          out.add(n);
        }
      }
      return out;
    }
  }

  @Override
  public boolean isMutable() {
    return false;
  }

  @Override
  public String toString() {
    return "CatalogSchema" + prefix.toString().toLowerCase(Locale.ROOT);
  }
}
