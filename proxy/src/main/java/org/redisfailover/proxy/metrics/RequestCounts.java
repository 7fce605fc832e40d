package org.redisfailover.proxy.metrics;

import org.redisfailover.protocol.command.RoutingClass;

/**
 * The requests one event loop has run and not yet added to {@code requests_total}, by routing class:
 * counted with plain increments, added to the striped counters once per flush of a client's replies
 * rather than once per request, so a pipeline costs one add per class. One per loop, not per client,
 * so an idle connection carries nothing for it. Confined to its loop.
 */
public final class RequestCounts {

    private static final RoutingClass[] ROUTING_CLASSES = RoutingClass.values();

    private final ProxyMetrics metrics;
    private final int[] uncounted = new int[ROUTING_CLASSES.length];
    private boolean anyUncounted;

    public RequestCounts(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    /** One request of {@code routingClass} run (metrics on: the caller checked {@link ProxyMetrics#recording()}). */
    public void count(RoutingClass routingClass) {
        uncounted[routingClass.ordinal()]++;
        anyUncounted = true;
    }

    /**
     * Adds what was counted since the last call. Called before a client's replies are flushed (a client
     * that has its reply finds its request counted) and when a client goes (requests it never got a reply for).
     */
    public void addUncounted() {
        if (!anyUncounted) {
            return;
        }
        anyUncounted = false;
        for (int i = 0; i < uncounted.length; i++) {
            if (uncounted[i] != 0) {
                metrics.requests(ROUTING_CLASSES[i]).count(uncounted[i]);
                uncounted[i] = 0;
            }
        }
    }
}
