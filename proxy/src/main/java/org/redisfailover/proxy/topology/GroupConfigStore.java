package org.redisfailover.proxy.topology;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.redisfailover.protocol.topology.GroupConfig;

/**
 * Where the proxy records what a client changed for the whole group (CONFIG SET settings, ACL users), once every
 * reachable node has it, so that nodes that join or are promoted later get it too (ZooKeeper, read by the monitor).
 */
public interface GroupConfigStore {

    /** Without ZooKeeper: the proxy's configured nodes are the whole group, and nothing outlives them. */
    GroupConfigStore NONE = change -> CompletableFuture.completedFuture(null);

    /**
     * Records {@code change} applied to the group's record as it is then (merged with what other proxies recorded
     * meanwhile); completes, on any thread, once it is durable.
     */
    CompletionStage<Void> record(UnaryOperator<GroupConfig> change);
}
