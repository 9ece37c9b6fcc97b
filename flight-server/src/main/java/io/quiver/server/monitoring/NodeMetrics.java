package io.quiver.server.monitoring;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.quiver.cache.CacheMetrics;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.EvictionCause;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.Mount;
import io.quiver.server.ByteSize;
import io.quiver.server.ScanMetrics;
import io.quiver.storage.StorageMetrics;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The metrics of one node, registered in its own {@link PrometheusRegistry}: every value is read at
 * scrape time from the counters the node keeps anyway (callback metrics), so nothing is counted
 * twice and an idle node costs nothing between scrapes.
 *
 * <p>Names follow Prometheus conventions ({@code quiver_} prefix, {@code _total} counters, {@code
 * _bytes}, {@code _seconds}); label values come from closed sets or from names the operator chose
 * (allocator names, mount paths), never from file names or request input.
 *
 * <ul>
 *   <li>Cache, per {@code tier} ({@code memory}, and {@code disk} with a disk tier): {@code
 *       quiver_cache_capacity_bytes}, {@code quiver_cache_bytes}, {@code quiver_cache_entries},
 *       {@code quiver_cache_hits_total}, {@code quiver_cache_misses_total}, {@code
 *       quiver_cache_evictions_total{tier, cause}}; and {@code quiver_cache_demotions_total},
 *       {@code quiver_cache_demotion_failures_total}, {@code quiver_cache_promotions_total}, {@code
 *       quiver_cache_streamed_through_total} (chunks handed out uncached), {@code
 *       quiver_cache_pinned_bytes}, {@code quiver_cache_pinned_entries}, {@code
 *       quiver_cache_loads_total}, {@code quiver_cache_load_failures_total}, {@code
 *       quiver_cache_loaded_bytes_total}, {@code quiver_cache_load_duration_seconds} (a summary of
 *       loader calls since start: quantiles 0.5, 0.9, 0.99, count and sum), {@code
 *       quiver_cache_load_duration_max_seconds}; per mount with a cache quota: {@code
 *       quiver_cache_quota_bytes{mount}}, {@code quiver_cache_quota_used_bytes{mount}}.
 *   <li>Storage per live mount and its store's scheme (labels {@code mount}, {@code store}: as many
 *       series as mounts; an unmounted mount's series end): {@code
 *       quiver_storage_read_bytes_total{mount,store}}, {@code
 *       quiver_storage_requests_total{mount,store,op}} ({@code read}, {@code open}, {@code stat},
 *       {@code list}).
 *   <li>Scans: {@code quiver_scans_planned_total}, {@code quiver_scan_units_total}, {@code
 *       quiver_scan_units_pruned_total}, {@code quiver_scan_rows_sent_total}, {@code
 *       quiver_scan_rows_filtered_total}.
 *   <li>Catalog: {@code quiver_catalog_mounts}, {@code quiver_catalog_mounts_unavailable}, {@code
 *       quiver_catalog_tables}.
 *   <li>Off-heap memory per {@code allocator} (the node's {@code root} and its children: {@code
 *       chunk-cache}, {@code streams}, {@code flight}, {@code sql}, ...): {@code
 *       quiver_allocator_allocated_bytes}, {@code quiver_allocator_peak_bytes}, {@code
 *       quiver_allocator_limit_bytes}.
 *   <li>{@code quiver_ready}: 1 when {@code /ready} would answer 200.
 *   <li>{@code quiver_auth_failures_total}: requests refused for their credentials (they never
 *       reach the Flight call middleware, so {@code quiver_flight_calls_total} does not count
 *       them).
 *   <li>The JVM's own ({@code jvm_*}, {@code process_*}; one set per process, shared by its nodes).
 * </ul>
 *
 * Flight calls are counted by {@link FlightCallMetrics}.
 *
 * <p>Thread-safety: {@link #register} may be called from any thread; the callbacks run on the
 * scraping thread and only read thread-safe counters.
 */
public final class NodeMetrics {
  private static final double[] QUANTILES = {0.5, 0.9, 0.99};

  private NodeMetrics() {}

  /** What a node's metrics are read from. */
  public record Sources(
      ChunkCache cache,
      long diskCapacityBytes,
      StorageMetrics storage,
      ScanMetrics scans,
      Catalog catalog,
      BufferAllocator root,
      MonitoringServer.Readiness readiness,
      java.util.function.LongSupplier authFailures) {}

  /** Registers the node's metrics, and the JVM's, in {@code registry}. */
  public static void register(PrometheusRegistry registry, Sources node) {
    registerCache(registry, node.cache(), node.diskCapacityBytes(), node.catalog());
    registerStorage(registry, node.storage());
    registerScans(registry, node.scans());
    registerCatalog(registry, node.catalog());
    registerAllocators(registry, node.root());
    counter(
        registry,
        "quiver_auth_failures_total",
        "Requests refused for missing, wrong or throttled credentials (Flight calls and status"
            + " page); 0 on a node without users or tokens",
        cb -> cb.call(node.authFailures().getAsLong()));
    gauge(
        registry,
        "quiver_ready",
        "1 when the node is ready (what /ready answers with 200), else 0",
        cb -> cb.call(node.readiness().notReadyReason() == null ? 1 : 0));
    registry.register((MultiCollector) JvmRegistry.INSTANCE::scrape);
  }

  /** The JVM's metrics, registered once per process: they describe the process, not a node. */
  private static final class JvmRegistry {
    static final PrometheusRegistry INSTANCE = create();

    private static PrometheusRegistry create() {
      PrometheusRegistry jvm = new PrometheusRegistry();
      JvmMetrics.builder().register(jvm);
      return jvm;
    }
  }

  private static void registerCache(
      PrometheusRegistry registry, ChunkCache cache, long diskCapacity, Catalog catalog) {
    boolean disk = diskCapacity > 0;
    gauge(
        registry,
        "quiver_cache_capacity_bytes",
        "Capacity of the cache tier",
        "tier",
        cb -> {
          cb.call(cache.stats().capacityBytes(), "memory");
          if (disk) {
            cb.call(diskCapacity, "disk");
          }
        });
    gauge(
        registry,
        "quiver_cache_bytes",
        "Bytes of the chunks the cache tier holds",
        "tier",
        cb -> {
          CacheMetrics m = cache.metrics();
          cb.call(m.memoryBytes(), "memory");
          if (disk) {
            cb.call(m.diskBytes(), "disk");
          }
        });
    gauge(
        registry,
        "quiver_cache_entries",
        "Chunks the cache tier holds",
        "tier",
        cb -> {
          CacheMetrics m = cache.metrics();
          cb.call(m.memoryEntries(), "memory");
          if (disk) {
            cb.call(m.diskEntries(), "disk");
          }
        });
    counter(
        registry,
        "quiver_cache_hits_total",
        "Chunks served by the tier (disk: memory misses the disk tier served)",
        "tier",
        cb -> {
          CacheMetrics m = cache.metrics();
          cb.call(m.memoryHits(), "memory");
          if (disk) {
            cb.call(m.diskHits(), "disk");
          }
        });
    counter(
        registry,
        "quiver_cache_misses_total",
        "Chunks the tier did not hold (memory: loaded from disk or storage, or joined to a load)",
        "tier",
        cb -> {
          CacheMetrics m = cache.metrics();
          cb.call(m.memoryMisses(), "memory");
          if (disk) {
            cb.call(m.diskMisses(), "disk");
          }
        });
    CounterWithCallback.builder()
        .name("quiver_cache_evictions_total")
        .help("Chunks dropped from the tier, by cause")
        .labelNames("tier", "cause")
        .callback(
            cb -> {
              CacheMetrics m = cache.metrics();
              evictions(cb, "memory", m.memoryEvictions());
              if (disk) {
                evictions(cb, "disk", m.diskEvictions());
              }
            })
        .register(registry);
    counter(
        registry,
        "quiver_cache_demotions_total",
        "Chunks evicted from memory and written to the disk tier",
        cb -> cb.call(cache.metrics().demotions()));
    counter(
        registry,
        "quiver_cache_demotion_failures_total",
        "Writes to the disk tier that failed (the chunk was dropped)",
        cb -> cb.call(cache.metrics().demotionFailures()));
    counter(
        registry,
        "quiver_cache_promotions_total",
        "Disk hits cached in memory again",
        cb -> cb.call(cache.metrics().promotions()));
    counter(
        registry,
        "quiver_cache_streamed_through_total",
        "Chunks loaded and handed out uncached because the cache could not take them",
        cb -> cb.call(cache.metrics().streamedThrough()));
    gauge(
        registry,
        "quiver_cache_pinned_bytes",
        "Bytes of the cached chunks that pins hold",
        cb -> cb.call(cache.stats().pinnedBytes()));
    gauge(
        registry,
        "quiver_cache_pinned_entries",
        "Cached chunks that pins hold",
        cb -> cb.call(cache.stats().pinnedEntries()));
    counter(
        registry,
        "quiver_cache_loads_total",
        "Loader calls (reads and decodes of missing chunks, successful or not)",
        cb -> cb.call(cache.metrics().loaderCalls()));
    counter(
        registry,
        "quiver_cache_load_failures_total",
        "Loader calls that failed",
        cb -> cb.call(cache.stats().loadFailures()));
    counter(
        registry,
        "quiver_cache_loaded_bytes_total",
        "Bytes of the chunks loaders produced",
        cb -> cb.call(cache.stats().bytesLoaded()));
    SummaryWithCallback.builder()
        .name("quiver_cache_load_duration_seconds")
        .help("Duration of loader calls since the node started (quantiles over its whole life)")
        .callback(
            cb -> {
              CacheMetrics m = cache.metrics();
              double[] values = {
                m.loadLatencyP50Millis(), m.loadLatencyP90Millis(), m.loadLatencyP99Millis()
              };
              Quantile[] q = new Quantile[QUANTILES.length];
              for (int i = 0; i < q.length; i++) {
                q[i] = new Quantile(QUANTILES[i], values[i] / 1000.0);
              }
              cb.call(m.loaderCalls(), m.loadLatencyTotalMillis() / 1000.0, Quantiles.of(q));
            })
        .register(registry);
    gauge(
        registry,
        "quiver_cache_load_duration_max_seconds",
        "The slowest loader call since the node started",
        cb -> cb.call(cache.metrics().loadLatencyMaxMillis() / 1000.0));
    gauge(
        registry,
        "quiver_cache_quota_bytes",
        "Cache quota of a mount (mounts with a cache-quota option)",
        "mount",
        cb -> {
          for (Map.Entry<String, Long> q : quotas(catalog).entrySet()) {
            cb.call(q.getValue(), q.getKey());
          }
        });
    gauge(
        registry,
        "quiver_cache_quota_used_bytes",
        "Cached bytes counted against a mount's cache quota",
        "mount",
        cb -> {
          for (String mount : quotas(catalog).keySet()) {
            cb.call(cache.quotaGroupBytes(mount), mount);
          }
        });
  }

  private static void evictions(
      CounterWithCallback.Callback cb, String tier, Map<EvictionCause, Long> byCause) {
    for (Map.Entry<EvictionCause, Long> e : new TreeMap<>(byCause).entrySet()) {
      cb.call(e.getValue(), tier, e.getKey().name().toLowerCase(Locale.ROOT));
    }
  }

  /** Quota by mount path (the quota group's name), for mounts with a valid cache quota. */
  private static Map<String, Long> quotas(Catalog catalog) {
    Map<String, Long> quotas = new TreeMap<>();
    for (Mount m : catalog.mounts()) {
      if (m.cacheQuota() != null) {
        try {
          quotas.put(m.path().toString(), ByteSize.parse(m.cacheQuota()));
        } catch (IllegalArgumentException e) {
          // The mount was refused with that quota; nothing to show.
        }
      }
    }
    return quotas;
  }

  private static void registerStorage(PrometheusRegistry registry, StorageMetrics storage) {
    CounterWithCallback.builder()
        .name("quiver_storage_read_bytes_total")
        .help("Bytes read from storage, by mount and store (the store's scheme)")
        .labelNames("mount", "store")
        .callback(
            cb -> storage.byMount().forEach((s, m) -> cb.call(m.bytesRead(), s.mount(), s.store())))
        .register(registry);
    CounterWithCallback.builder()
        .name("quiver_storage_requests_total")
        .help("Storage requests, by mount, store and operation")
        .labelNames("mount", "store", "op")
        .callback(
            cb ->
                storage
                    .byMount()
                    .forEach(
                        (s, m) -> {
                          cb.call(m.reads(), s.mount(), s.store(), "read");
                          cb.call(m.opens(), s.mount(), s.store(), "open");
                          cb.call(m.stats(), s.mount(), s.store(), "stat");
                          cb.call(m.lists(), s.mount(), s.store(), "list");
                        }))
        .register(registry);
  }

  private static void registerScans(PrometheusRegistry registry, ScanMetrics scans) {
    counter(
        registry,
        "quiver_scans_planned_total",
        "Scans planned (GetFlightInfo)",
        cb -> cb.call(scans.scans()));
    counter(
        registry,
        "quiver_scan_units_total",
        "Units (row groups, stripes) that scan plans considered",
        cb -> cb.call(scans.units()));
    counter(
        registry,
        "quiver_scan_units_pruned_total",
        "Units left out of plans because statistics proved no row could match",
        cb -> cb.call(scans.unitsPruned()));
    counter(
        registry,
        "quiver_scan_rows_sent_total",
        "Rows streamed to clients",
        cb -> cb.call(scans.rowsSent()));
    counter(
        registry,
        "quiver_scan_rows_filtered_total",
        "Rows that exact filters removed while streaming",
        cb -> cb.call(scans.rowsFilteredOut()));
    counter(
        registry,
        "quiver_scan_rows_mapped_total",
        "Rows clients on this host read by mapping shared memory (short-circuit), of those sent",
        cb -> cb.call(scans.rowsMapped()));
    gauge(
        registry,
        "quiver_short_circuit_leases",
        "Short-circuit leases open now (each keeps a unit's chunks from eviction)",
        cb -> cb.call(scans.leasesOpen()));
  }

  private static void registerCatalog(PrometheusRegistry registry, Catalog catalog) {
    gauge(
        registry,
        "quiver_catalog_mounts",
        "Mounts in the catalog",
        cb -> cb.call(catalog.mounts().size()));
    gauge(
        registry,
        "quiver_catalog_mounts_unavailable",
        "Mounts whose store could not be opened",
        cb ->
            cb.call(
                catalog.mounts().stream()
                    .filter(m -> catalog.unavailableReason(m.path()) != null)
                    .count()));
    gauge(
        registry,
        "quiver_catalog_tables",
        "Tables defined in the catalog",
        cb -> cb.call(catalog.tables().size()));
  }

  private static void registerAllocators(PrometheusRegistry registry, BufferAllocator root) {
    gauge(
        registry,
        "quiver_allocator_allocated_bytes",
        "Off-heap bytes the allocator holds now",
        "allocator",
        cb -> allocators(root).forEach((name, a) -> cb.call(a.allocated(), name)));
    gauge(
        registry,
        "quiver_allocator_peak_bytes",
        "Most off-heap bytes the allocator held at once",
        "allocator",
        cb -> allocators(root).forEach((name, a) -> cb.call(a.peak(), name)));
    gauge(
        registry,
        "quiver_allocator_limit_bytes",
        "The allocator's limit",
        "allocator",
        cb -> allocators(root).forEach((name, a) -> cb.call(a.limit(), name)));
  }

  private record Use(long allocated, long peak, long limit) {
    Use plus(Use o) {
      return new Use(allocated + o.allocated, Math.max(peak, o.peak), limit + o.limit);
    }
  }

  /**
   * The root and its direct children by name (fixed names in the code: a bounded set); children of
   * one name are added up.
   */
  private static Map<String, Use> allocators(BufferAllocator root) {
    Map<String, Use> uses = new TreeMap<>();
    uses.put("root", use(root));
    for (BufferAllocator child : root.getChildAllocators()) {
      uses.merge(child.getName(), use(child), Use::plus);
    }
    return uses;
  }

  private static Use use(BufferAllocator a) {
    return new Use(a.getAllocatedMemory(), a.getPeakMemoryAllocation(), a.getLimit());
  }

  private static void gauge(
      PrometheusRegistry registry,
      String name,
      String help,
      Consumer<GaugeWithCallback.Callback> callback) {
    GaugeWithCallback.builder().name(name).help(help).callback(callback).register(registry);
  }

  private static void gauge(
      PrometheusRegistry registry,
      String name,
      String help,
      String label,
      Consumer<GaugeWithCallback.Callback> callback) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .callback(callback)
        .register(registry);
  }

  private static void counter(
      PrometheusRegistry registry,
      String name,
      String help,
      Consumer<CounterWithCallback.Callback> callback) {
    CounterWithCallback.builder().name(name).help(help).callback(callback).register(registry);
  }

  private static void counter(
      PrometheusRegistry registry,
      String name,
      String help,
      String label,
      Consumer<CounterWithCallback.Callback> callback) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .callback(callback)
        .register(registry);
  }
}
