package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * Cluster mode, a transaction's connection: a command queued there whose key another node serves is refused by
 * the node with MOVED or ASK (and the node aborts the transaction at EXEC, as it does for any refused command).
 * The client gets an error of Redis' own instead, never the redirection, which a cluster-aware client would
 * follow around the proxy: CROSSSLOT when the slot map says the key is in another shard than the transaction's,
 * and the proxy's own error when it is the map that was stale (the slot moved as the transaction began).
 */
final class OwnConnectionRedirects extends PendingReply {

    private final ClusterRouting routing;
    private final ReplySlot slot;
    /** The node the transaction runs on. */
    private final NodeAddress node;

    OwnConnectionRedirects(ClusterRouting routing, ReplySlot slot, NodeAddress node) {
        this.routing = routing;
        this.slot = slot;
        this.node = node;
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        boolean moved = Replies.startsWith(buffer, start, length, "-MOVED ");
        if (!moved && !Replies.startsWith(buffer, start, length, "-ASK ")) {
            slot.complete(buffer, start, length);
            return true;
        }
        String line = buffer.toString(start + 1, length - 3, StandardCharsets.UTF_8);
        String[] parts = line.split(" ");
        int keySlot = parts.length == 3 ? parseSlot(parts[1]) : -1;
        boolean mapSaysElsewhere = keySlot >= 0 && !node.equals(routing.ownerOf(keySlot));
        if (moved) {
            routing.redirected(line);
        }
        slot.complete(Replies.error(
                mapSaysElsewhere || !moved ? ClusterRouting.CROSSSLOT : ProxyErrors.slotMovedInTransaction(line)));
        return true;
    }

    private static int parseSlot(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void lost(NodeAddress lostNode, String reason) {
        slot.lost(lostNode, reason);
    }

    @Override
    public void refused(String errorLine) {
        slot.refused(errorLine);
    }

    @Override
    public boolean timed() {
        return slot.timed();
    }
}
