package org.redisfailover.proxy.server;

import io.netty.channel.EventLoop;
import org.redisfailover.proxy.backend.BackendPool;

/** What one event loop owns: its backend connections, its flush batcher and its read round-robin. */
final class LoopResources {

    final FlushBatcher batcher;
    final BackendPool pool;
    final ReadRouter router = new ReadRouter();

    LoopResources(EventLoop loop, ProxyShared shared) {
        this.batcher = new FlushBatcher(loop);
        this.pool = new BackendPool(loop, shared.transport(), shared.config(), batcher);
    }
}
