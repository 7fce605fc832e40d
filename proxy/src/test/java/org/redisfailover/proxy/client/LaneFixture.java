package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.RedisEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.topology.TopologyHolder;

/**
 * One lane at a time, without a session: the lane's real collaborators on an EmbeddedChannel (reply order,
 * held requests, the client's connections and state), and in place of the sequencer and the routing two
 * recorders that say what the lane asked of them. The topology has no master, so nothing reaches a backend
 * (an EmbeddedChannel's loop cannot connect one): what needs the master is held, and the hold timeout is
 * driven by hand.
 */
final class LaneFixture implements AutoCloseable {

    static final Duration HOLD = Duration.ofSeconds(5);

    final EmbeddedChannel channel = new EmbeddedChannel(new RedisEncoder());
    final ProxyShared shared;
    final LoopResources loop;
    final ClientState state = new ClientState(null, null);
    final Backpressure backpressure = new Backpressure(channel);
    final ReplyOrderer replies;
    final OwnConnections own;
    final ClientConnections connections;
    final RecordingContext lanes = new RecordingContext();
    final RecordingRouting routing = new RecordingRouting();

    LaneFixture() {
        NodeAddress nowhere = new NodeAddress("127.0.0.1", 1);
        ProxyConfig config = ProxyConfig.builder(new NodeAddress("127.0.0.1", 0), nowhere, List.of())
                .hold(HOLD, 1000, 1 << 20)
                .build();
        TopologyHolder topology = new TopologyHolder(new Topology(1, null, List.of()));
        shared = new ProxyShared(config, CommandClassifier.standard(), topology, Transport.best());
        loop = new LoopResources(channel.eventLoop(), shared, false);
        replies = new ReplyOrderer(channel, loop.batcher, loop.requestCounts, loop.awaitingLease, shared, backpressure);
        replies.answers(new ReplyOrderer.Answers() {
            @Override
            public void answered(ReplySlot slot) {
                lanes.answered++;
            }

            @Override
            public void drained() {}
        });
        own = new OwnConnections(replies);
        connections = new ClientConnections(shared, loop, state, own, backpressure);
    }

    /** The group-wide commands' view of the group, on this fixture's connections. */
    GroupNodes groupNodes() {
        return new GroupNodes(shared, loop, connections);
    }

    TransactionLane transactions() {
        return new TransactionLane(
                lanes, routing, replies, loop.held, connections, own, shared, state, channel.eventLoop());
    }

    SubscriptionLane subscriptions() {
        return new SubscriptionLane(lanes, routing, replies, loop.held, connections, own, state, channel.eventLoop());
    }

    BlockingLane blocking() {
        return new BlockingLane(
                lanes, routing, replies, loop.held, connections, own, shared, state, channel.eventLoop());
    }

    ClientModes modes() {
        return new ClientModes(transactions(), subscriptions(), blocking(), own);
    }

    /** A request as the decoder hands it over. */
    static RedisRequest request(String... args) {
        return RespWriter.request(ByteBufAllocator.DEFAULT, args);
    }

    /** What the proxy's classifier makes of {@code request}'s command. */
    Route route(RedisRequest request) {
        return shared.classifier().classify(request);
    }

    /** Runs the hold timeout now: every request held before this call is answered. */
    void expireHeld() {
        loop.held.expire(System.nanoTime() + HOLD.toNanos() + 1);
    }

    /** Everything written to the client since the last call. */
    String output() {
        return EmbeddedClient.written(channel);
    }

    @Override
    public void close() {
        routing.sent.forEach(sent -> sent.request().release());
        lanes.handedToShared.forEach(RedisRequest::release);
        loop.close();
        channel.finishAndReleaseAll();
    }

    /** The sequencer as a lane sees it, recording what the lane asked. */
    final class RecordingContext implements LaneContext {
        final List<ReplySlot> slots = new ArrayList<>();
        final List<RedisRequest> handedToShared = new ArrayList<>();
        int holdingBack;
        int answered;

        @Override
        public ReplySlot forwardedSlot(Route route, boolean definite) {
            ReplySlot slot = replies.newSlot(route, definite);
            slot.forwarded(false);
            slots.add(slot);
            return slot;
        }

        @Override
        public void holdBack() {
            holdingBack++;
        }

        @Override
        public void stopHoldingBack() {
            holdingBack--;
        }

        @Override
        public void runDeferred() {}

        @Override
        public void runShared(RedisRequest request, Route route) {
            handedToShared.add(request);
        }
    }

    /** A request the routing was asked to send. */
    record Sent(RedisRequest request, Route route, ReplySlot slot) {}

    /** A routing with no node for a connection of the client's own (no master), recording what it was asked to send. */
    static final class RecordingRouting implements Routing {
        final List<Sent> sent = new ArrayList<>();

        @Override
        public void send(RedisRequest request, Route route, ReplySlot slot) {
            sent.add(new Sent(request, route, slot));
        }

        @Override
        public NodeAddress pinnedNode(RedisRequest request) {
            return null;
        }

        @Override
        public boolean holdUnsent(RedisRequest request, Route route, ReplySlot slot) {
            return false;
        }
    }
}
