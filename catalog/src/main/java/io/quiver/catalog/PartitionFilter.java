package io.quiver.catalog;

import java.util.Map;
import java.util.Set;

/**
 * What a scan's filter says about hive-style partition values, so that dataset discovery lists and
 * reads only the partitions whose rows may match: a {@code key=value} directory the filter rejects
 * is neither listed nor are its files' footers read. Supplied by the caller (the scan planner binds
 * its filter); implementations must be thread-safe and cheap (called once per directory).
 */
public interface PartitionFilter {
  /**
   * The columns the filter reads. Discovery prunes directory by directory only on partition keys
   * among them; a table whose keys are not among them is listed as a whole.
   */
  Set<String> columns();

  /**
   * Whether a row with these partition values may match the filter: false only when no row can (a
   * column the filter reads that is not in {@code values} may hold anything).
   *
   * @param types the types of the partition columns in {@code values}
   * @param values partition column to value ({@link PartitionType}'s domain; null for {@code
   *     __HIVE_DEFAULT_PARTITION__}), for the keys known so far (outermost first)
   */
  boolean mayMatch(Map<String, PartitionType> types, Map<String, Object> values);
}
