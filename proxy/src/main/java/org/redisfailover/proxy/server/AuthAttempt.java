package org.redisfailover.proxy.server;

import io.netty.buffer.ByteBuf;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.Credentials;
import org.redisfailover.proxy.backend.PendingReply;

/**
 * A client's AUTH, checked by Redis itself on a fresh connection to the master: on {@code +OK} the client
 * runs as that user from then on (see {@link ClientSession#authenticated}); on an error (WRONGPASS, ...)
 * it keeps the user it had. Either way the client gets Redis' own reply.
 */
final class AuthAttempt implements PendingReply {

    private final ClientSession session;
    private final ReplySlot slot;
    private final Credentials credentials;
    private final BackendConnection connection;
    private long sentAtNanos;

    AuthAttempt(ClientSession session, ReplySlot slot, Credentials credentials, BackendConnection connection) {
        this.session = session;
        this.slot = slot;
        this.credentials = credentials;
        this.connection = connection;
    }

    @Override
    public void markSent(long nanos) {
        sentAtNanos = nanos;
    }

    @Override
    public long sentAtNanos() {
        return sentAtNanos;
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        boolean accepted = credentials != null && length == 5 && buffer.getByte(start) == '+' && buffer.getByte(start + 1) == 'O'
                && buffer.getByte(start + 2) == 'K';
        if (accepted) {
            session.authenticated(credentials, connection);
        } else {
            connection.close();
        }
        slot.complete(buffer, start, length);
        session.authDone();
        return true;
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        slot.lost(node, reason);
        session.authDone();
    }

    @Override
    public void refused(String errorLine) {
        slot.refused(errorLine);
        session.authDone();
    }
}
