package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.redisfailover.protocol.resp.PubSubFrame;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.backend.PendingReply;

/**
 * One connection of a client's subscriptions, to one node, and what Redis confirmed it holds there.
 *
 * <p>A subscribed connection answers a request with any number of frames (one confirmation per channel, and
 * messages in between), so replies cannot be matched by counting. Each request goes out followed by
 * {@code PING <token>}, with a random token per link; the frames before the PING's answer are that request's
 * reply, kept in Redis' order with the messages among them. Frames while no request is pending are messages,
 * delivered as they come.
 *
 * <p>A request is either a part of a client's reply ({@link SubscriptionLinks.Part}: its confirmations go to the
 * client) or the proxy's own, placing a subscription the client already has (its confirmations are swallowed,
 * its messages passed on). An {@code sunsubscribe} nobody asked for is a node giving up a shard channel whose
 * slot left it: it is swallowed, and the channel subscribed again where its slot went.
 *
 * <p>Confined to the client's event loop.
 */
final class SubscriptionLink {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final SubscriptionLinks owner;
    private final NodeAddress node;
    private final ReplyOrderer replies;
    private final ClientConnections connections;
    private final byte[] token;
    private final byte[] marker;
    private final SubscriptionSet held = new SubscriptionSet();

    private BackendConnection connection;
    private int pendingSegments;
    private int pendingOwn;

    SubscriptionLink(
            SubscriptionLinks owner,
            NodeAddress node,
            ClientConnections connections,
            ReplyOrderer replies,
            Handshake handshake) {
        this.owner = owner;
        this.node = node;
        this.connections = connections;
        this.replies = replies;
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        this.token = ("redis-failover-" + HexFormat.of().formatHex(random)).getBytes(StandardCharsets.US_ASCII);
        RedisRequest ping = RespWriter.request(
                ByteBufAllocator.DEFAULT, List.of("PING".getBytes(StandardCharsets.US_ASCII), token));
        this.marker = new byte[ping.length()];
        ping.buffer().getBytes(ping.start(), marker);
        ping.release();
        this.connection = connections.subscription(node, handshake);
        connection.onBroken(this::broken);
        connection.onUnsolicited(this::unsolicited);
    }

    NodeAddress node() {
        return node;
    }

    /** What Redis confirmed this link holds on its node. */
    SubscriptionSet held() {
        return held;
    }

    /** The proxy's own requests (placing subscriptions again) are not all answered yet. */
    boolean placing() {
        return pendingOwn > 0;
    }

    /** Holds nothing and waits for nothing: the link can go. */
    boolean idle() {
        return pendingSegments == 0 && held.isEmpty();
    }

    /** Sends {@code args}: a part of a client's reply, or the proxy's own request when {@code part} is null. */
    void send(List<byte[]> args, SubscriptionLinks.Part part) {
        pendingSegments++;
        if (part == null) {
            pendingOwn++;
        }
        RedisRequest request = RespWriter.request(ByteBufAllocator.DEFAULT, args);
        boolean sunsubscribe = new String(args.get(0), StandardCharsets.US_ASCII).equalsIgnoreCase("sunsubscribe");
        connections.send(
                connection,
                request.followedBy(ByteBufAllocator.DEFAULT, marker),
                new Segment(part, sunsubscribe ? args.subList(1, args.size()) : null));
    }

    /** The client is gone, left subscribed mode, or this node no longer serves: Redis drops the subscriptions. */
    void close() {
        connection.onBroken(null);
        connection.close();
    }

    private void broken(String reason) {
        owner.linkBroken(this, reason);
    }

    private void unsolicited(ByteBuf buffer, int start, int length) {
        PubSubFrame confirmation = PubSubFrame.parse(buffer, start, length);
        if (confirmation == null) {
            replies.deliverPush(buffer, start, length);
        } else if (held.apply(confirmation) && confirmation.kind().equals("sunsubscribe")) {
            owner.shardChannelLeft();
        }
    }

    /** True for the answer to this link's PING: {@code $n token} (not subscribed, or RESP3) or {@code [pong, token]}. */
    private boolean isMarker(ByteBuf buffer, int start, int length) {
        int tail = token.length + 2;
        if (length < tail || length > tail + 32) {
            return false;
        }
        byte type = buffer.getByte(start);
        if (type != '$' && type != '*') {
            return false;
        }
        int from = start + length - tail;
        for (int i = 0; i < token.length; i++) {
            if (buffer.getByte(from + i) != token[i]) {
                return false;
            }
        }
        return true;
    }

    /** The frames of one request up to its marker. */
    private final class Segment extends PendingReply {
        private final SubscriptionLinks.Part part;
        /** An SUNSUBSCRIBE's channels (empty: all of them); null for any other request. */
        private final List<byte[]> unsubscribing;
        /** The part went on to another node (MOVED): this segment no longer answers for it. */
        private boolean redirected;

        Segment(SubscriptionLinks.Part part, List<byte[]> unsubscribing) {
            this.part = part;
            this.unsubscribing = unsubscribing;
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            if (isMarker(buffer, start, length)) {
                segmentEnded();
                if (part != null && !redirected) {
                    part.done();
                }
                return true;
            }
            PubSubFrame confirmation = PubSubFrame.parse(buffer, start, length);
            if (confirmation != null) {
                if (!askedFor(confirmation)) {
                    unsolicited(buffer, start, length); // a slot left this node while the request was out
                    return false;
                }
                held.apply(confirmation);
                if (part != null) {
                    part.confirmed(confirmation, buffer, start, length);
                }
                return false;
            }
            if (buffer.getByte(start) == '-') {
                String line = buffer.toString(start + 1, length - 3, StandardCharsets.UTF_8);
                if (part == null) {
                    owner.ownRequestFailed(line);
                } else if (line.startsWith("MOVED ") || line.startsWith("ASK ")) {
                    redirected = part.redirect(line);
                } else {
                    part.add(buffer.retainedSlice(start, length));
                }
                return false;
            }
            if (part == null) {
                replies.deliverPush(buffer, start, length);
            } else {
                part.add(buffer.retainedSlice(start, length));
            }
            return false;
        }

        /** Whether {@code confirmation} answers this request rather than a node dropping a shard channel. */
        private boolean askedFor(PubSubFrame confirmation) {
            if (!confirmation.kind().equals("sunsubscribe")) {
                return true;
            }
            if (unsubscribing == null) {
                return false; // not an SUNSUBSCRIBE
            }
            if (unsubscribing.isEmpty() || confirmation.channel() == null) {
                return true;
            }
            for (byte[] channel : unsubscribing) {
                if (Arrays.equals(channel, confirmation.channel())) {
                    return true;
                }
            }
            return false;
        }

        private void segmentEnded() {
            pendingSegments--;
            if (part == null) {
                pendingOwn--;
            }
        }

        @Override
        public void lost(NodeAddress lostNode, String reason) {
            segmentEnded();
            if (part != null && !redirected) {
                part.lost(lostNode, reason);
            }
        }

        @Override
        public void refused(String errorLine) {
            segmentEnded();
            if (part != null && !redirected) {
                part.refused(errorLine);
            }
        }
    }

    /** {@code length} bytes at {@code start} of a confirmation, with its count (the last element) replaced. */
    static ByteBuf withCount(ByteBuf buffer, int start, int length, long count) {
        int colon = buffer.indexOf(start + length - 1, start, (byte) ':');
        return Unpooled.wrappedBuffer(
                buffer.retainedSlice(start, colon + 1 - start),
                Unpooled.wrappedBuffer((count + "\r\n").getBytes(StandardCharsets.US_ASCII)));
    }
}
