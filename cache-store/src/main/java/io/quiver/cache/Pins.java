package io.quiver.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pins of a {@link ChunkCache}: key pins, named pin rules, their time to live, and the set of
 * cached entries that are pinned now.
 *
 * <h2>Pinning</h2>
 *
 * A pinned entry is never evicted, by either policy. Pins are state of the cache, not of entries,
 * so they also apply to keys loaded later: {@link ChunkCache#pin} pins one key, {@link
 * ChunkCache#pinAll} installs a named rule (a predicate, for example "every chunk of this file").
 * Both may have a time to live, measured with the cache's {@link Ticker}. An entry is pinned while
 * its key has a live key pin or it matched a live rule; rules are evaluated when an entry is loaded
 * and, for entries already cached, when the rule is installed. Pinned bytes stay inside the
 * capacity: when everything is pinned or held, a load that does not fit fails with {@link
 * CacheCapacityException}. Pinning does not keep an entry beyond {@link
 * CacheOptions#expireAfterWrite()}, and {@link ChunkCache#invalidate} drops a pinned entry (its pin
 * still applies when the key is loaded again).
 *
 * <p>Contract: this type decides <em>whether</em> an entry is pinned ({@link #shouldPin}) and keeps
 * the pinned set and its bytes ({@link #addPinned}, {@link #removePinned}); the cache applies the
 * decision to its eviction order and evictable bytes. Expired pins are removed lazily: {@link
 * #sweepExpired} does nothing until the earliest deadline has passed. Rule predicates never run
 * here under the lock: {@link #matchingRules} is static and the cache calls it without its lock, on
 * a snapshot of the rules ({@link #rules()}, stamped with {@link #rulesVersion()}).
 *
 * <p>Ownership: one instance per cache, created and owned by it. It references cached entries but
 * owns no chunk: pinning never retains or closes data.
 *
 * <p>Thread-safety: not thread-safe. The cache's field holding it is {@code @GuardedBy("lock")}:
 * every method except the static ones is called with the cache's lock held, which also guards the
 * {@link CacheEntry} fields read and written here ({@code pinned}, {@code rules}). {@link
 * PinRule#removed} is guarded by that lock as well.
 */
final class Pins {
  // Logs under ChunkCache's name, as before this code left ChunkCache.
  private static final Logger LOG = LoggerFactory.getLogger(ChunkCache.class);

  /** Key pins, cached or not. */
  private final Map<ColumnChunkKey, PinTerm> keyPins = new HashMap<>();

  /** Pin rules by name. */
  private final Map<String, PinRule> rules = new LinkedHashMap<>();

  /** Changes whenever a rule is added or removed, so a load can tell its rule matching is stale. */
  private long rulesVersion;

  /** Cached entries that are pinned now. */
  private final Set<CacheEntry> pinned = new HashSet<>();

  private long pinnedBytes;

  /** Whether a key pin or rule has a deadline; the earliest is then {@link #nextPinDeadline}. */
  private boolean timedPins;

  private long nextPinDeadline;

  /**
   * Checks a time to live given to {@link ChunkCache#pin} or {@link ChunkCache#pinAll}.
   *
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   */
  static void checkTtl(Duration ttl) {
    if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
      throw new IllegalArgumentException("ttl must be positive or null: " + ttl);
    }
  }

  /** Pins {@code key} (replacing its pin's term); the cache then refreshes its entry. */
  void pinKey(ColumnChunkKey key, Duration ttl, long now) {
    PinTerm term = PinTerm.of(ttl, now);
    keyPins.put(key, term);
    noteDeadline(term);
  }

  /** Removes the pin of {@code key}; whether it had one (possibly expired). */
  boolean unpinKey(ColumnChunkKey key) {
    return keyPins.remove(key) != null;
  }

  /** Installs a rule under {@code name}, replacing (and marking removed) any rule of that name. */
  PinRule addRule(String name, Predicate<ColumnChunkKey> matching, Duration ttl, long now) {
    PinRule rule = new PinRule(name, matching, PinTerm.of(ttl, now));
    PinRule replaced = rules.put(name, rule);
    if (replaced != null) {
      replaced.removed = true;
    }
    rulesVersion++;
    noteDeadline(rule.term);
    return rule;
  }

  /** Takes back a rule whose predicate failed while being installed (if still installed). */
  void abandonRule(PinRule rule) {
    rule.removed = true;
    rules.remove(rule.name, rule);
    rulesVersion++;
  }

  /** Removes the rule {@code name}; whether one was installed (possibly expired). */
  boolean removeRule(String name) {
    PinRule rule = rules.remove(name);
    if (rule == null) {
      return false;
    }
    rule.removed = true;
    rulesVersion++;
    return true;
  }

  /** The version of the rule set; changes whenever a rule is added or removed. */
  long rulesVersion() {
    return rulesVersion;
  }

  /** A snapshot of the installed rules, to match without the lock. */
  List<PinRule> rules() {
    return rules.isEmpty() ? List.of() : new ArrayList<>(rules.values());
  }

  /**
   * The rules among {@code rules} that pin {@code key}. Runs the predicates: call it without the
   * cache's lock. A predicate that throws does not pin the key (logged).
   */
  static List<PinRule> matchingRules(ColumnChunkKey key, List<PinRule> rules) {
    List<PinRule> matching = List.of();
    for (PinRule rule : rules) {
      boolean matches;
      try {
        matches = rule.matching.test(key);
      } catch (RuntimeException e) {
        LOG.warn("pin rule '{}' failed for {}; the rule does not pin it", rule.name, key, e);
        matches = false;
      }
      if (matches) {
        if (matching.isEmpty()) {
          matching = new ArrayList<>(2);
        }
        matching.add(rule);
      }
    }
    return matching;
  }

  /**
   * Whether a live key pin or a live rule the entry matched pins it at {@code now}. Prunes rules
   * that can never be live again from {@code entry.rules}.
   */
  boolean shouldPin(CacheEntry entry, long now) {
    PinTerm keyPin = keyPins.get(entry.key);
    if (keyPin != null && keyPin.liveAt(now)) {
      return true;
    }
    boolean pinnedByRule = false;
    for (var it = entry.rules.iterator(); it.hasNext(); ) {
      PinRule rule = it.next();
      if (rule.removed || !rule.term.liveAt(now)) {
        it.remove(); // never live again: keep the list short
      } else {
        pinnedByRule = true;
      }
    }
    return pinnedByRule;
  }

  /** Marks a cached entry pinned and counts it; the cache takes it out of its eviction order. */
  void addPinned(CacheEntry entry) {
    entry.pinned = true;
    pinned.add(entry);
    pinnedBytes += entry.sizeBytes;
  }

  /** Marks a pinned entry unpinned and stops counting it. */
  void removePinned(CacheEntry entry) {
    entry.pinned = false;
    pinned.remove(entry);
    pinnedBytes -= entry.sizeBytes;
  }

  /** A snapshot of the pinned entries, for re-evaluating them. */
  List<CacheEntry> pinnedEntries() {
    return new ArrayList<>(pinned);
  }

  /** Cached entries pinned now. */
  int pinnedCount() {
    return pinned.size();
  }

  /** Bytes of the cached entries pinned now. */
  long pinnedBytes() {
    return pinnedBytes;
  }

  /**
   * Once the earliest deadline has passed, removes expired key pins and rules and recomputes the
   * next deadline.
   *
   * @return whether it swept: the cache must then re-evaluate its pinned entries
   */
  boolean sweepExpired(long now) {
    if (!timedPins || now - nextPinDeadline < 0) {
      return false;
    }
    keyPins.values().removeIf(term -> !term.liveAt(now));
    for (var it = rules.values().iterator(); it.hasNext(); ) {
      PinRule rule = it.next();
      if (!rule.term.liveAt(now)) {
        rule.removed = true;
        it.remove();
        rulesVersion++;
      }
    }
    timedPins = false;
    for (PinTerm term : keyPins.values()) {
      noteDeadline(term);
    }
    for (PinRule rule : rules.values()) {
      noteDeadline(rule.term);
    }
    return true;
  }

  /** Forgets every pin, rule and pinned entry (the cache is closing). */
  void clear() {
    pinned.clear();
    keyPins.clear();
    rules.clear();
    pinnedBytes = 0;
  }

  private void noteDeadline(PinTerm term) {
    if (term.forever()) {
      return;
    }
    if (!timedPins || term.deadline() - nextPinDeadline < 0) {
      nextPinDeadline = term.deadline();
    }
    timedPins = true;
  }

  /** How long a pin lives: forever, or until a deadline of the ticker. */
  record PinTerm(boolean forever, long deadline) {
    static PinTerm of(Duration ttl, long now) {
      return ttl == null
          ? new PinTerm(true, 0)
          : new PinTerm(false, now + ChunkCache.saturatedNanos(ttl));
    }

    boolean liveAt(long now) {
      return forever || deadline - now > 0;
    }
  }

  /**
   * A named {@link ChunkCache#pinAll} rule. Immutable but for {@code removed}, which is guarded by
   * the cache's lock; {@code matching} runs only without that lock.
   */
  static final class PinRule {
    final String name;
    final Predicate<ColumnChunkKey> matching;
    final PinTerm term;
    boolean removed;

    PinRule(String name, Predicate<ColumnChunkKey> matching, PinTerm term) {
      this.name = name;
      this.matching = matching;
      this.term = term;
    }
  }
}
