package org.redisfailover.proxy.topology;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the proxy records the settings a client changed with CONFIG SET, once every reachable node has
 * them, so that nodes that join or are promoted later get them too (ZooKeeper, read by the monitor).
 */
public interface GroupConfigStore {

    /** Without ZooKeeper: the proxy's configured nodes are the whole group, and nothing outlives them. */
    GroupConfigStore NONE = pairs -> CompletableFuture.completedFuture(null);

    /** Records {@code pairs} (name, value, name, value, ...); completes, on any thread, once they are durable. */
    CompletionStage<Void> record(List<String> pairs);
}
