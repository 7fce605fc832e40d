package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.util.function.Predicate;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * Cluster mode, a transaction's connection: a command queued there whose key another node serves is refused by
 * the node with MOVED or ASK (and the node aborts the transaction at EXEC, as it does for any refused command).
 * The client gets an error of Redis' own instead, never the redirection, which a cluster-aware client would
 * follow around the proxy: CROSSSLOT when the slot map says the key is in another shard than the transaction's,
 * and the proxy's own error when it is the map that was stale (the slot moved as the transaction began). A
 * transaction that can run again where its slot went ({@link TransactionReplay}) hears QUEUED instead.
 */
final class OwnConnectionRedirects extends PendingReply {

    private static final SimpleStringRedisMessage QUEUED = new SimpleStringRedisMessage("QUEUED");

    private final ClusterRouting routing;
    private final ReplySlot slot;
    /** The node the transaction runs on. */
    private final NodeAddress node;
    /** Takes a redirection of the transaction's own slot when the transaction can run again where it went. */
    private final Predicate<String> absorb;

    OwnConnectionRedirects(ClusterRouting routing, ReplySlot slot, NodeAddress node, Predicate<String> absorb) {
        this.routing = routing;
        this.slot = slot;
        this.node = node;
        this.absorb = absorb;
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        String line = Redirected.redirection(buffer, start, length);
        if (line == null) {
            slot.complete(buffer, start, length);
            return true;
        }
        boolean moved = line.startsWith("MOVED ");
        boolean ask = line.startsWith("ASK ");
        String[] parts = line.split(" ");
        int keySlot = (moved || ask) && parts.length == 3 ? parseSlot(parts[1]) : -1;
        boolean mapSaysElsewhere = keySlot >= 0 && !node.equals(routing.ownerOf(keySlot));
        if (absorb.test(line)) {
            slot.complete(QUEUED); // as the node the slot went to answers; EXEC runs the transaction there
            return true;
        }
        if (!moved && !ask) {
            slot.complete(buffer, start, length); // TRYAGAIN, CLUSTERDOWN: the node's own error, nothing queued
            return true;
        }
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
