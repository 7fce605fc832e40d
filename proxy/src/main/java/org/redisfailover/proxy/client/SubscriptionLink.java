package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.resp.PubSubFrame;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.PendingReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's subscriptions: a backend connection of its own, the channels, patterns and shard channels
 * it is subscribed to, and their re-establishment on the master after a failover.
 *
 * <p>A subscribed connection answers a request with any number of frames (one confirmation per
 * channel, and messages in between), so replies cannot be matched by counting. Each request goes out
 * followed by {@code PING <token>}, with a random token per link; the frames before the PING's answer
 * are that request's reply, kept in Redis' order with the messages among them. Frames while no request
 * is pending are messages, delivered as they come. The confirmations tell which subscriptions Redis
 * holds, so the link knows what to subscribe to again, and when the client has left subscribed mode.
 *
 * <p>Confined to the client's event loop.
 */
final class SubscriptionLink {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionLink.class);
    private static final long RETRY_MILLIS = 100;
    /** Channels per re-subscribe request: keeps each request well inside the request size limits. */
    private static final int CHANNELS_PER_REQUEST = 1000;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final SubscriptionLane lane;
    private final ClientConnections connections;
    private final ReplyOrderer replies;
    private final ClientState state;
    private final EventLoop eventLoop;
    private final byte[] token;
    private final byte[] marker;
    /** By family ("" channels, "p" patterns, "s" shard channels): what Redis confirmed; ISO-8859-1 keeps bytes. */
    private final Map<String, Set<String>> subscribed = new LinkedHashMap<>();

    private BackendConnection connection;
    private int pendingSegments;
    private boolean closed;
    private ScheduledFuture<?> retry;
    private long brokenSinceNanos;

    SubscriptionLink(
            SubscriptionLane lane,
            ClientConnections connections,
            ReplyOrderer replies,
            ClientState state,
            EventLoop eventLoop) {
        this.lane = lane;
        this.connections = connections;
        this.replies = replies;
        this.state = state;
        this.eventLoop = eventLoop;
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        this.token = ("redis-failover-" + HexFormat.of().formatHex(random)).getBytes(StandardCharsets.US_ASCII);
        RedisRequest ping = RespWriter.request(
                ByteBufAllocator.DEFAULT, List.of("PING".getBytes(StandardCharsets.US_ASCII), token));
        this.marker = new byte[ping.length()];
        ping.buffer().getBytes(ping.start(), marker);
        ping.release();
        for (String family : List.of("", "p", "s")) {
            subscribed.put(family, new LinkedHashSet<>());
        }
    }

    /** Requests can be sent (false while the link is being re-established after a failure). */
    boolean ready() {
        return connection != null;
    }

    /** Nothing subscribed and nothing pending: the client has left subscribed mode. */
    boolean finished() {
        return pendingSegments == 0 && subscriptionCount() == 0;
    }

    int subscriptionCount() {
        int count = 0;
        for (Set<String> names : subscribed.values()) {
            count += names.size();
        }
        return count;
    }

    /** Subscriptions by family, for CLIENT INFO: channels, patterns, shard channels. */
    int[] countsByFamily() {
        return new int[] {
            subscribed.get("").size(),
            subscribed.get("p").size(),
            subscribed.get("s").size()
        };
    }

    /** Opens the link's connection to {@code node}, subscribing again to whatever was subscribed before. */
    void open(NodeAddress node) {
        connection = connections.subscription(node, lane.linkHandshake());
        connection.onBroken(this::broken);
        connection.onUnsolicited(replies::deliverPush);
        boolean again = subscriptionCount() > 0;
        for (Map.Entry<String, Set<String>> family : subscribed.entrySet()) {
            List<String> names = new ArrayList<>(family.getValue());
            for (int from = 0; from < names.size(); from += CHANNELS_PER_REQUEST) {
                List<byte[]> args = new ArrayList<>();
                args.add((family.getKey() + "subscribe").getBytes(StandardCharsets.US_ASCII));
                for (String name : names.subList(from, Math.min(names.size(), from + CHANNELS_PER_REQUEST))) {
                    args.add(name.getBytes(StandardCharsets.ISO_8859_1));
                }
                sendSegment(RespWriter.request(ByteBufAllocator.DEFAULT, args), null);
            }
        }
        if (again) {
            log.info(
                    "client {}: {} subscriptions re-established on {} after {} ms",
                    state.remoteAddress(),
                    subscriptionCount(),
                    node,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - brokenSinceNanos));
        }
    }

    /** Sends a client request (ownership passes); {@code slot} gets every frame of its reply. */
    void send(RedisRequest request, ReplySlot slot) {
        sendSegment(request, slot);
    }

    private void sendSegment(RedisRequest request, ReplySlot slot) {
        pendingSegments++;
        connections.send(connection, request.followedBy(ByteBufAllocator.DEFAULT, marker), new Segment(slot));
    }

    /** The client is gone, or reset its connection: Redis drops the subscriptions with the connection. */
    void close() {
        closed = true;
        if (retry != null) {
            retry.cancel(false);
        }
        if (connection != null) {
            connection.onBroken(null);
            connection.close();
            connection = null;
        }
    }

    private void broken(String reason) {
        connection = null;
        if (closed || connections.closing()) {
            return; // the client left, or the proxy is shutting down
        }
        if (subscriptionCount() == 0) {
            lane.linkDone(this);
            return;
        }
        brokenSinceNanos = System.nanoTime();
        log.info(
                "client {}: subscription connection lost ({}); subscribing again once a master is known",
                state.remoteAddress(),
                reason);
        scheduleReopen();
    }

    private void scheduleReopen() {
        retry = eventLoop.schedule(this::reopen, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void reopen() {
        if (closed || connections.closing()) {
            return;
        }
        NodeAddress master = lane.linkNode();
        if (master == null) {
            scheduleReopen();
            return;
        }
        open(master);
        lane.linkReady();
    }

    private void track(PubSubFrame frame) {
        Set<String> names = subscribed.get(frame.family());
        if (names == null || frame.channel() == null) {
            return;
        }
        String name = new String(frame.channel(), StandardCharsets.ISO_8859_1);
        if (frame.subscribes()) {
            names.add(name);
        } else {
            names.remove(name);
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

    /**
     * One request's reply: every frame up to the marker. A client's request keeps them (messages among
     * them too, in order) for its slot; a re-subscription swallows its confirmations, since the client
     * already had them, and passes messages on.
     */
    private final class Segment extends PendingReply {
        private final ReplySlot slot;
        private CompositeByteBuf frames;

        Segment(ReplySlot slot) {
            this.slot = slot;
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            if (isMarker(buffer, start, length)) {
                pendingSegments--;
                ByteBuf reply = frames == null ? Unpooled.EMPTY_BUFFER : frames;
                frames = null;
                // The link ends first if this left subscribed mode, so that the requests the reply lets run
                // (they may have waited for it) no longer see a subscription.
                lane.segmentDone(SubscriptionLink.this);
                if (slot != null) {
                    slot.complete(reply);
                }
                return true;
            }
            PubSubFrame confirmation = PubSubFrame.parse(buffer, start, length);
            if (confirmation != null) {
                track(confirmation);
            }
            if (slot == null) {
                if (confirmation == null) {
                    replies.deliverPush(buffer, start, length);
                }
                return false;
            }
            if (frames == null) {
                frames = ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
            }
            frames.addComponent(true, buffer.retainedSlice(start, length));
            return false;
        }

        @Override
        public void lost(NodeAddress node, String reason) {
            pendingSegments--;
            if (frames != null) {
                frames.release();
                frames = null;
            }
            if (slot != null) {
                slot.completeLost(node, reason);
            }
        }

        @Override
        public void refused(String errorLine) {
            pendingSegments--;
            if (slot != null) {
                slot.refused(errorLine);
            }
        }
    }
}
