package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.backend.PendingReply;

/**
 * A client's AUTH, HELLO AUTH or CLIENT TRACKING, checked by Redis itself on a connection of the client's
 * own: on success the client runs with the handshake it asked for from then on (see
 * {@link OwnConnections#adopt}); on an error (WRONGPASS, a syntax error, ...) it keeps the one it had.
 * Either way the client gets Redis' own reply, and its later requests, which waited, run.
 */
final class HandshakeAttempt extends PendingReply {

    private final HandshakeLane lane;
    private final ReplySlot slot;
    /** What the client runs with if Redis accepts; null when Redis is sure to refuse (a syntax error). */
    private final Handshake next;

    private final BackendConnection connection;
    /** A HELLO with AUTH: answered with the server's map, not +OK. */
    private final boolean hello;

    HandshakeAttempt(HandshakeLane lane, ReplySlot slot, Handshake next, BackendConnection connection, boolean hello) {
        this.lane = lane;
        this.slot = slot;
        this.next = next;
        this.connection = connection;
        this.hello = hello;
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        byte type = buffer.getByte(start);
        // AUTH and CLIENT TRACKING answer +OK; HELLO answers its map (an array in RESP2), or an error when it refused.
        boolean accepted = next != null
                && (hello
                        ? type != '-' && type != '!'
                        : length == 5 && Replies.startsWith(buffer, start, length, "+OK"));
        slot.complete(buffer, start, length);
        lane.checked(accepted ? next : null, connection);
        return true;
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        slot.lost(node, reason);
        lane.checked(null, connection);
    }

    @Override
    public void refused(String errorLine) {
        slot.refused(errorLine);
        lane.checked(null, connection);
    }
}
