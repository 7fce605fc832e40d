package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import java.util.List;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;

/**
 * EVALSHA_RO sent to a replica. Redis 7 does not replicate its script cache, so a replica may not know
 * a script the master has (loaded before the replica joined, or by EVAL): a {@code NOSCRIPT} from the
 * replica sends the call to the master instead, which answers it or says NOSCRIPT itself.
 */
final class ScriptFallback extends PendingReply {

    private final GroupRouting routing;
    private final ReplySlot slot;
    private final List<byte[]> args;

    ScriptFallback(GroupRouting routing, ReplySlot slot, List<byte[]> args) {
        this.routing = routing;
        this.slot = slot;
        this.args = args;
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        if (Replies.startsWith(buffer, start, length, "-NOSCRIPT")) {
            routing.retryScriptOnMaster(args, slot);
        } else {
            slot.complete(buffer, start, length);
        }
        return true;
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        slot.lost(node, reason);
    }

    @Override
    public void refused(String errorLine) {
        slot.refused(errorLine);
    }
}
