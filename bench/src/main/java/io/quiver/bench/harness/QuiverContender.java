package io.quiver.bench.harness;

import io.quiver.client.QuiverClient;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightInfo;

/**
 * Quiver read through Flight, cold (the cache emptied with the {@code cache-free} action before
 * each run; footers and listings stay cached, as they would on a running node) or warm (an
 * unmeasured scan of the same columns first, so every chunk is cached).
 */
final class QuiverContender implements Contender {
  private final QuiverNode node;
  private final Profile profile;
  private final boolean cold;
  private final boolean ownsNode;
  private long storageBefore;

  QuiverContender(QuiverNode node, Profile profile, boolean cold, boolean ownsNode) {
    this.node = node;
    this.profile = profile;
    this.cold = cold;
    this.ownsNode = ownsNode;
  }

  @Override
  public String name() {
    return profile.contenderName(cold ? "quiver-cold" : "quiver-warm");
  }

  @Override
  public boolean supports(Workload workload) {
    return !(cold && workload.isConcurrent());
  }

  @Override
  public void prepare(Workload w) throws Exception {
    if (w.isConcurrent()) {
      node.clients().many(w.concurrentClients()); // connect outside the measured run
    }
    if (cold) {
      node.client().action("cache-free", Map.of());
    } else {
      FlightReads.scan(node.clients().main(), info(w));
    }
    storageBefore = node.stats().path("storageBytesRead").asLong();
  }

  private FlightInfo info(Workload w) {
    return node.clients()
        .main()
        .getInfo(
            QuiverClient.descriptor(QuiverNode.table(profile), w.columns()), FlightReads.timeout());
  }

  @Override
  public RunResult run(Workload w) throws Exception {
    FlightInfo info = info(w);
    return w.isConcurrent()
        ? FlightReads.concurrent(
            node.clients().many(w.concurrentClients()), info, w.requestsPerClient())
        : FlightReads.scan(node.clients().main(), info);
  }

  @Override
  public RunResult complete(Workload w, RunResult r) {
    long after = node.stats().path("storageBytesRead").asLong();
    return new RunResult(r.rows(), r.arrowBytes(), after - storageBefore, r.latenciesNanos());
  }

  @Override
  public List<ChildProcess> servers() {
    return List.of(node.process());
  }

  @Override
  public void close() throws Exception {
    if (ownsNode) {
      node.close();
    }
  }
}
