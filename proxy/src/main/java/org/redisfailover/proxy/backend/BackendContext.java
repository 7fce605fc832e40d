package org.redisfailover.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import java.util.function.Function;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.FlushBatcher;
import org.redisfailover.proxy.metrics.ProxyMetrics;

/**
 * What every backend connection of one event loop works with, handed over once by its {@link BackendPool}:
 * fixed for the loop's life, except what the {@link Owner} answers (a reload replaces the configuration; the
 * pool closes when the proxy stops). A connection never reaches into the pool itself.
 *
 * @param tls           TLS to the nodes, or null for plain TCP
 * @param groupAccess   where connections without a password report whether the group asks for one; null: do not ask
 * @param expectedRunId the run id a connection to a node must find (the topology's master), or null for no check
 */
record BackendContext(
        EventLoop loop,
        Bootstrap bootstrap,
        SslContext tls,
        FlushBatcher batcher,
        ProxyMetrics metrics,
        NodeHealth health,
        GroupAccess groupAccess,
        Function<NodeAddress, String> expectedRunId,
        Owner owner) {

    /** What only the pool knows now: the current configuration, whether it closed, that a dedicated connection ended, and that a stall did. */
    interface Owner {
        ProxyConfig config();

        /** True once the proxy is shutting down: nothing reconnects. */
        boolean isClosed();

        /** A dedicated connection closed for good. */
        void forgetDedicated(BackendConnection connection);

        /** A connection found stalled took a reply again: whatever kept its node busy has ended. */
        void stallEnded(NodeAddress node);
    }
}
