package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.BackendPool;
import org.redisfailover.proxy.backend.Handshake;

/**
 * A client's handshake (its Redis user, protocol and client tracking) and, when a shared connection
 * cannot serve it (after AUTH or CLIENT TRACKING), its connections of its own, by node and database.
 *
 * <p>With tracking on, Redis sends invalidations on the connection that read the keys, so the client's
 * own connections pass their pushes on to it. When one breaks, what it tracked is forgotten by the
 * server: the client is told to drop its whole cache ({@code invalidate} with a null key list, as Redis
 * sends on FLUSHALL), since it can no longer learn which keys change. Confined to the client's event loop.
 */
final class OwnConnections {

    /** {@code >2 invalidate null}: every key the client caches is stale. */
    private static final byte[] INVALIDATE_ALL = ">2\r\n$10\r\ninvalidate\r\n_\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ReplyOrderer replies;
    private Handshake handshake = Handshake.proxy(RespVersion.RESP2);
    private final Map<NodeAddress, BackendConnection[]> byNode = new HashMap<>();
    private BiConsumer<BackendConnection, String> onBroken = (connection, reason) -> {};

    OwnConnections(ReplyOrderer replies) {
        this.replies = replies;
    }

    /** Who hears that one of the client's own connections broke (a transaction on it is lost). */
    void whenBroken(BiConsumer<BackendConnection, String> listener) {
        this.onBroken = listener;
    }

    Handshake handshake() {
        return handshake;
    }

    RespVersion protocol() {
        return handshake.protocol();
    }

    /** True when the client's requests run on its own connections rather than the shared ones. */
    boolean inUse() {
        return !handshake.shareable();
    }

    boolean tracking() {
        return handshake.tracking() != null;
    }

    boolean isEmpty() {
        return byNode.isEmpty();
    }

    /** Whether {@code connection} is one of the client's own connections. */
    boolean owns(BackendConnection connection) {
        BackendConnection[] byDb = byNode.get(connection.node());
        return byDb != null && byDb[connection.db()] == connection;
    }

    /** The client's own connection to (target, db), opened on first use and again after it closed. */
    BackendConnection get(BackendPool pool, NodeAddress target, int db, int databases) {
        BackendConnection[] byDb = byNode.computeIfAbsent(target, node -> new BackendConnection[databases]);
        BackendConnection connection = byDb[db];
        if (connection == null || connection.isClosed()) {
            connection = pool.dedicated(target, db, BackendConnection.Purpose.CLIENT, handshake);
            watch(connection);
            byDb[db] = connection;
        }
        return connection;
    }

    /**
     * Redis accepted a change of the client's connection state (AUTH, CLIENT TRACKING) on {@code checked}:
     * from now on the client runs with {@code next}. The old connections close (they have nothing in
     * flight: the change waited for every earlier reply); {@code checked} becomes the one for its node.
     */
    void adopt(Handshake next, BackendConnection checked, int databases) {
        closeAllBut(checked);
        handshake = next;
        if (next.shareable()) {
            checked.close();
            return;
        }
        BackendConnection[] byDb = new BackendConnection[databases];
        byDb[checked.db()] = checked;
        byNode.put(checked.node(), byDb);
        watch(checked);
    }

    /** HELLO switched protocols: new connections speak the new one. Called with nothing in flight. */
    void switchProtocol(RespVersion protocol) {
        if (protocol != handshake.protocol()) {
            closeAll();
            handshake = handshake.withProtocol(protocol);
        }
    }

    /** RESET: back to the proxy's user, RESP2 and no tracking, on shared connections. */
    void reset() {
        closeAll();
        handshake = Handshake.proxy(RespVersion.RESP2);
    }

    void closeAll() {
        closeAllBut(null);
    }

    private void closeAllBut(BackendConnection kept) {
        for (BackendConnection[] byDb : byNode.values()) {
            for (BackendConnection connection : byDb) {
                if (connection != null && connection != kept) {
                    connection.onBroken(null);
                    connection.close();
                }
            }
        }
        byNode.clear();
    }

    private void watch(BackendConnection connection) {
        connection.onUnsolicited(replies::deliverPush);
        connection.onBroken(reason -> {
            if (tracking()) {
                ByteBuf flush = Unpooled.wrappedBuffer(INVALIDATE_ALL);
                replies.deliverPush(flush, flush.readerIndex(), flush.readableBytes());
                flush.release(); // deliverPush copied it, or kept a retained slice
            }
            onBroken.accept(connection, reason);
        });
    }
}
