package org.redisfailover.proxy.backend;

import io.netty.buffer.ByteBuf;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * The reply to a request the proxy sends for its own purpose, which no client waits for: WAIT's offset
 * write, and the copies of SCRIPT LOAD that reach the replicas. Dropped, whatever it is.
 */
public final class IgnoredReply extends PendingReply {

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        return true;
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        // nobody waits for it
    }

    @Override
    public void refused(String errorLine) {
        // nobody waits for it
    }
}
