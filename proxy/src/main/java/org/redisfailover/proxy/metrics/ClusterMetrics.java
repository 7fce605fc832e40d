package org.redisfailover.proxy.metrics;

import com.codahale.metrics.Meter;

/**
 * Cluster mode: the cluster's redirections the proxy followed for its clients, by kind, and how long reading the
 * slot map takes. (Requests per shard are the per-node backend series of each master.)
 */
public final class ClusterMetrics {

    private static final String REDIRECTS = "cluster_redirects";
    private static final String REDIRECTS_HELP =
            "Redirections a cluster node answered and the proxy followed (never passed to a client), by kind";

    public final Meter moved;
    public final Meter ask;
    public final Meter tryAgain;
    public final Meter clusterDown;
    /** Reads of the slot map that installed a map, and their duration. */
    public final StripedHistogram refreshDuration;

    public ClusterMetrics(ProxyMetrics metrics) {
        moved = metrics.meter(REDIRECTS, REDIRECTS_HELP, "kind", "moved");
        ask = metrics.meter(REDIRECTS, REDIRECTS_HELP, "kind", "ask");
        tryAgain = metrics.meter(REDIRECTS, REDIRECTS_HELP, "kind", "tryagain");
        clusterDown = metrics.meter(REDIRECTS, REDIRECTS_HELP, "kind", "clusterdown");
        refreshDuration = metrics.histogram(
                "cluster_map_read_duration_seconds",
                "Time to read the cluster's slot map (a round of CLUSTER SHARDS to two nodes)",
                new double[] {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1});
    }

    /** The meter of a redirection's kind (MOVED, ASK, TRYAGAIN, CLUSTERDOWN). */
    public Meter redirect(String kind) {
        return switch (kind) {
            case "MOVED" -> moved;
            case "ASK" -> ask;
            case "TRYAGAIN" -> tryAgain;
            default -> clusterDown;
        };
    }
}
