package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.resp.PubSubFrame;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's subscriptions and the links that hold them, one per node ({@link SubscriptionLink}).
 *
 * <p>Where a subscription lives ({@link SubscriptionPlaces}): channels and patterns on one master, the home
 * link, which also answers PING and the rest of subscribed mode; channels and patterns that begin {@code __key}
 * (keyspace notifications, which a node publishes only to its own subscribers) on every master as well; shard
 * channels on their slot's master. In front of one replication group every place is the master, and there is
 * one link.
 *
 * <p>A client request goes to the places its names live; the client hears the confirmations of its home or
 * slot-owning part, with Redis' counts of the client's whole subscriptions, while the copies on other masters
 * answer only to the proxy. When a link's node dies, leaves the masters, or gives up a shard channel's slot, the
 * subscriptions are placed again where they now belong, and the client sees nothing of it.
 *
 * <p>Confined to the client's event loop.
 */
final class SubscriptionLinks {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionLinks.class);
    private static final long RETRY_MILLIS = 100;
    /** The longest wait between attempts to place subscriptions on a node that keeps failing. */
    private static final long LONGEST_RETRY_MILLIS = 1000;
    /** Names per request when placing subscriptions again: keeps each request well inside the request size limits. */
    private static final int NAMES_PER_REQUEST = 1000;

    private final SubscriptionLane lane;
    private final SubscriptionPlaces places;
    private final ClientConnections connections;
    private final ReplyOrderer replies;
    private final ClientState state;
    private final EventLoop eventLoop;
    private final Runnable onMapChanged = this::placeAgain;
    /** What the client is subscribed to, from the confirmations it was sent. */
    private final SubscriptionSet client = new SubscriptionSet();

    private final Map<NodeAddress, SubscriptionLink> links = new LinkedHashMap<>();
    private final SubscriptionTargets targets;
    private SubscriptionLink home;
    private int repliesPending;
    /** A link broke with subscriptions on it: the client's requests wait until they are placed again. */
    private boolean recovering;

    /** Since when some subscription has not been confirmed where it belongs after a link broke (0: all are). */
    private long unsettledSinceNanos;
    /** Links broken since the subscriptions were last all confirmed in place: the retries back off. */
    private int failures;
    /** The proxy's own requests sent by the current round of placing. */
    private int sentThisRound;

    private ScheduledFuture<?> retry;
    private boolean closed;

    SubscriptionLinks(
            SubscriptionLane lane,
            SubscriptionPlaces places,
            ClientConnections connections,
            ReplyOrderer replies,
            ClientState state,
            EventLoop eventLoop) {
        this.lane = lane;
        this.places = places;
        this.connections = connections;
        this.replies = replies;
        this.state = state;
        this.eventLoop = eventLoop;
        this.targets = new SubscriptionTargets(places, links);
        places.watch(onMapChanged, true);
    }

    /** Requests can be sent (false while subscriptions are being placed again after a link broke). */
    boolean ready() {
        return !recovering;
    }

    int[] countsByFamily() {
        return client.countsByFamily();
    }

    /**
     * Sends a client request (ownership passes on success) to the links its names live on; false, with nothing
     * sent, while a node it needs is unknown (the lane holds it).
     */
    boolean send(RedisRequest request, ReplySlot slot) {
        List<byte[]> args = request.args();
        String command = new String(args.get(0), StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        List<SubscriptionTargets.Target> targets = this.targets.of(command, args, request, home);
        if (targets == null) {
            return false;
        }
        request.release();
        int answering = 0;
        for (SubscriptionTargets.Target target : targets) {
            answering += target.answers() ? 1 : 0;
        }
        SubscriptionReply reply = new SubscriptionReply(slot, answering, this::replyDone);
        repliesPending++;
        if (!command.startsWith("s")) {
            home = link(targets.get(0).node()); // channels, patterns and the rest of subscribed mode live there
        }
        for (SubscriptionTargets.Target target : targets) {
            link(target.node()).send(target.args(), target.answers() ? new Part(reply, target.args()) : null);
        }
        return true;
    }

    private SubscriptionLink link(NodeAddress node) {
        return links.computeIfAbsent(
                node, at -> new SubscriptionLink(this, at, connections, replies, lane.linkHandshake()));
    }

    /** A client's reply is complete: with nothing left subscribed, the client leaves subscribed mode first. */
    private void replyDone() {
        repliesPending--;
        if (client.isEmpty() && repliesPending == 0 && !closed) {
            close();
            lane.linksDone(false);
        }
    }

    /** The link's connection broke: its subscriptions are placed again once their nodes are known. */
    void linkBroken(SubscriptionLink link, String reason) {
        forget(link);
        if (closed || connections.closing()) {
            return; // the client left, or the proxy is shutting down
        }
        if (client.isEmpty()) {
            if (repliesPending == 0 && links.isEmpty()) {
                close();
                lane.linksDone(true);
            }
            return;
        }
        recovering = true;
        failures++;
        if (unsettledSinceNanos == 0) {
            unsettledSinceNanos = System.nanoTime();
            log.info(
                    "client {}: subscription connection to {} lost ({}); subscribing again once its node is known",
                    state.remoteAddress(),
                    link.node(),
                    reason);
        }
        schedule(backoff());
    }

    /** 100 ms after a link first breaks, doubling while its node keeps failing, up to a second. */
    private long backoff() {
        return Math.min(LONGEST_RETRY_MILLIS, RETRY_MILLIS << Math.min(Math.max(failures - 1, 0), 4));
    }

    /** A node gave up a shard channel (its slot moved): it is subscribed again on the slot's new master. */
    void shardChannelLeft() {
        schedule(0);
    }

    /** A request of the proxy's own was refused (MOVED: the map is stale); placing is tried again. */
    void ownRequestFailed(String errorLine) {
        places.redirected(errorLine);
        schedule(RETRY_MILLIS);
    }

    private void schedule(long millis) {
        if (retry == null && !closed) {
            retry = eventLoop.schedule(this::placeAgain, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** The slot map changed: subscriptions whose node no longer serves them move. */
    private void placeAgain() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        if (closed || client.isEmpty()) {
            return;
        }
        for (SubscriptionLink link : links.values()) {
            if (link.placing()) {
                schedule(RETRY_MILLIS); // what was sent last time is not confirmed yet
                return;
            }
        }
        List<NodeAddress> masters = places.masters();
        for (SubscriptionLink link : new ArrayList<>(links.values())) {
            if (!masters.contains(link.node())) {
                drop(link);
            }
        }
        if (masters.isEmpty()) {
            schedule(backoff());
            return;
        }
        sentThisRound = 0;
        if (!client.names("").isEmpty() || !client.names("p").isEmpty()) {
            if (home == null) {
                home = link(targets.homeNode(null));
            }
            for (String family : List.of("", "p")) {
                placeOn(home, family, client.names(family));
            }
        }
        for (NodeAddress master : masters) {
            if (home == null || !master.equals(home.node())) {
                for (String family : List.of("", "p")) {
                    place(master, family, SubscriptionPlaces.everywhere(client.names(family)));
                }
            }
        }
        boolean placed = placeShardChannels();
        for (SubscriptionLink link : new ArrayList<>(links.values())) {
            if (link != home && link.idle()) {
                drop(link);
            }
        }
        if (!placed) {
            schedule(backoff());
            return;
        }
        if (recovering) {
            recovering = false; // the client's requests queue behind what was just sent
            lane.linkReady();
        }
        if (sentThisRound > 0) {
            schedule(RETRY_MILLIS); // to see it confirmed
        } else if (unsettledSinceNanos != 0) {
            int[] counts = client.countsByFamily();
            log.info(
                    "client {}: {} subscriptions re-established on {} after {} ms",
                    state.remoteAddress(),
                    counts[0] + counts[1] + counts[2],
                    links.keySet(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unsettledSinceNanos));
            unsettledSinceNanos = 0;
            failures = 0;
        }
    }

    /** Each shard channel on its slot's master, and off any other node; false when a slot has none now. */
    private boolean placeShardChannels() {
        boolean placed = true;
        for (String name : client.names("s")) {
            NodeAddress owner = places.shardChannelOwner(SubscriptionSet.bytes(name));
            if (owner == null) {
                placed = false;
                continue;
            }
            for (SubscriptionLink link : links.values()) {
                if (!link.node().equals(owner) && link.held().holds("s", name)) {
                    sendOwn(link, List.of(bytes("sunsubscribe"), SubscriptionSet.bytes(name)));
                }
            }
            SubscriptionLink link = link(owner);
            if (!link.held().holds("s", name)) {
                sendOwn(link, List.of(bytes("ssubscribe"), SubscriptionSet.bytes(name)));
            }
        }
        return placed;
    }

    private void place(NodeAddress node, String family, List<String> names) {
        if (!names.isEmpty()) {
            placeOn(link(node), family, names);
        }
    }

    /** Subscribes {@code link} to those of {@code names} it does not hold, answering only to the proxy. */
    private void placeOn(SubscriptionLink link, String family, Iterable<String> names) {
        List<byte[]> args = new ArrayList<>();
        for (String name : names) {
            if (!link.held().holds(family, name)) {
                if (args.isEmpty()) {
                    args.add(bytes(family + "subscribe"));
                }
                args.add(SubscriptionSet.bytes(name));
                if (args.size() > NAMES_PER_REQUEST) {
                    sendOwn(link, args);
                    args = new ArrayList<>();
                }
            }
        }
        if (!args.isEmpty()) {
            sendOwn(link, args);
        }
    }

    /** A request of the proxy's own: its confirmations are swallowed, its messages passed on. */
    private void sendOwn(SubscriptionLink link, List<byte[]> args) {
        sentThisRound++;
        link.send(args, null);
    }

    private void drop(SubscriptionLink link) {
        forget(link);
        link.close();
    }

    private void forget(SubscriptionLink link) {
        links.remove(link.node(), link);
        if (home == link) {
            home = null;
        }
    }

    /** RESET, the client is gone, or it left subscribed mode: Redis drops the subscriptions with the connections. */
    void close() {
        closed = true;
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        places.watch(onMapChanged, false);
        for (SubscriptionLink link : new ArrayList<>(links.values())) {
            drop(link);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The part of a client's reply one link gives, followed to another node when the slot moved. */
    final class Part {
        private final SubscriptionReply reply;
        private final List<byte[]> args;
        private int hops;

        Part(SubscriptionReply reply, List<byte[]> args) {
            this.reply = reply;
            this.args = args;
        }

        /** A confirmation for the client: its count becomes the client's, over every link. */
        void confirmed(PubSubFrame frame, ByteBuf buffer, int start, int length) {
            client.apply(frame);
            int count = client.countFor(frame.family());
            reply.add(
                    count == frame.count()
                            ? buffer.retainedSlice(start, length)
                            : SubscriptionLink.withCount(buffer, start, length, count));
        }

        /** Any other frame of the reply (ownership passes). */
        void add(ByteBuf frame) {
            reply.add(frame);
        }

        /**
         * The node sent MOVED or ASK ({@code line}): the part goes to the named node (true), or, past the
         * redirection limit, the client gets the proxy's error (false).
         */
        boolean redirect(String line) {
            places.redirected(line);
            NodeAddress target = Redirected.target(line);
            if (target == null || ++hops > ClusterRouting.MAX_REDIRECTS) {
                String error = "-" + ProxyErrors.tooManyRedirects(hops, line) + "\r\n";
                reply.add(Unpooled.wrappedBuffer(error.getBytes(StandardCharsets.UTF_8)));
                return false;
            }
            link(target).send(args, this);
            return true;
        }

        void done() {
            reply.partDone();
        }

        void lost(NodeAddress node, String reason) {
            reply.lost(node, reason);
        }

        void refused(String errorLine) {
            reply.refused(errorLine);
        }
    }
}
