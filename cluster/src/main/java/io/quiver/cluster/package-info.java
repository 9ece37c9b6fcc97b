/**
 * Cluster mode: nodes coordinate through Apache ZooKeeper (via Curator). Membership is an ephemeral
 * znode per node; the catalog lives in versioned znodes; chunks are placed on nodes by rendezvous
 * hashing ({@link io.quiver.cluster.Rendezvous}). One embedded node needs none of this.
 */
package io.quiver.cluster;
