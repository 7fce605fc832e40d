package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.RedisEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.FlushBatcher;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.loop.RepliesAwaitingLease;
import org.redisfailover.proxy.metrics.RequestCounts;
import org.redisfailover.proxy.topology.TopologyHolder;
import org.redisfailover.proxy.topology.WriteLease;

/** The reply order of one client on an EmbeddedChannel: slots filled in any order leave in request order. */
class ReplyOrdererTest {

    private static final NodeAddress NODE = new NodeAddress("127.0.0.1", 1);

    private final EmbeddedChannel channel = new EmbeddedChannel(new RedisEncoder());
    private final List<ReplySlot> answered = new ArrayList<>();
    private ReplyOrderer replies;
    private RepliesAwaitingLease awaitingLease;

    private ReplyOrderer orderer(ProxyConfig config, TopologyHolder topology) {
        ProxyShared shared = new ProxyShared(config, CommandClassifier.standard(), topology, Transport.best());
        awaitingLease = new RepliesAwaitingLease(topology, shared.metrics());
        ReplyOrderer orderer = new ReplyOrderer(
                channel,
                new FlushBatcher(channel.eventLoop()),
                new RequestCounts(shared.metrics()),
                awaitingLease,
                shared,
                new Backpressure(channel));
        orderer.answers(new ReplyOrderer.Answers() {
            @Override
            public void answered(ReplySlot slot) {
                answered.add(slot);
            }

            @Override
            public void drained() {}
        });
        return orderer;
    }

    private ReplyOrderer orderer() {
        return orderer(
                ProxyConfig.defaults(new NodeAddress("127.0.0.1", 0), NODE, List.of()),
                new TopologyHolder(new Topology(1, NODE, List.of())));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private String output() {
        return EmbeddedClient.written(channel);
    }

    /** A reply as the backend framer hands it over: a range of its buffer, valid during the call. */
    private static void arrive(ReplySlot slot, String reply) {
        ByteBuf buffer = Unpooled.copiedBuffer("junk" + reply + "junk", StandardCharsets.ISO_8859_1);
        try {
            slot.complete(buffer, 4, reply.length());
        } finally {
            buffer.release();
        }
    }

    @Test
    void repliesLeaveInRequestOrderWhateverOrderTheyArriveIn() {
        replies = orderer();
        ReplySlot first = replies.newSlot(true);
        ReplySlot second = replies.newSlot(true);
        ReplySlot third = replies.newSlot(true);
        arrive(third, "+third\r\n");
        assertEquals("", output(), "the third reply waits for the two before it");
        arrive(first, "+first\r\n");
        assertEquals("+first\r\n", output());
        second.complete(Replies.OK);
        assertEquals("+OK\r\n+third\r\n", output());
        assertEquals(List.of(third, first, second), answered, "each slot is counted as answered when its reply is in");
        assertTrue(replies.isEmpty());
    }

    /**
     * A reply that is next in line goes to the client straight from the backend's buffer; its slot is done all the
     * same. Safe mode's routing and the script connection ask whether a client's last request there is answered: a
     * slot left not done kept the client's reads on its write connection for good.
     */
    @Test
    void aSlotAnsweredStraightFromTheBackendBufferIsDone() {
        replies = orderer();
        ReplySlot head = replies.newSlot(true);
        ReplySlot behind = replies.newSlot(true);
        ReplySlot last = replies.newSlot(true);
        arrive(head, "+head\r\n");
        arrive(last, "+last\r\n");
        arrive(behind, "+behind\r\n");
        assertEquals("+head\r\n+behind\r\n+last\r\n", output());
        assertTrue(head.done() && behind.done() && last.done());
    }

    @Test
    void clientReplySkipAndOffReadRepliesWithoutWritingThem() {
        replies = orderer();
        replies.replyMode(ReplyOrderer.ReplyMode.SKIP);
        ReplySlot skipped = replies.newSlot(true);
        ReplySlot written = replies.newSlot(true);
        replies.replyMode(ReplyOrderer.ReplyMode.OFF);
        ReplySlot off = replies.newSlot(true);
        arrive(off, "+off\r\n");
        arrive(written, "+written\r\n");
        arrive(skipped, "+skipped\r\n");
        assertEquals("+written\r\n", output());
        assertEquals(
                3, answered.size(), "suppressed replies still count as answered: the backend connection stays in step");
    }

    @Test
    void aLostReplyIsUncertainForAWriteAndAnErrorForARead() {
        replies = orderer();
        ReplySlot write = replies.newSlot(false);
        ReplySlot read = replies.newSlot(true);
        write.lost(NODE, "connection reset");
        read.lost(NODE, "connection reset");
        assertEquals(
                "-UNCERTAIN redis-failover: connection to 127.0.0.1:1 lost before the reply (connection reset); the command may or "
                        + "may not have been applied\r\n-ERR redis-failover: connection to 127.0.0.1:1 lost before the reply (connection reset)\r\n",
                output());
        assertTrue(
                channel.isActive(),
                "the client stays connected: closing would make at-least-once clients resend the write");
    }

    /**
     * A write's reply that comes back after the ZooKeeper write lease lapsed waits for ZooKeeper's next confirmation, and
     * the replies behind it wait in order: with the same master it goes as Redis sent it. It was answered UNCERTAIN at
     * once, so every lapse (a reconnect to another ZooKeeper server) cost the write in flight an error.
     */
    @Test
    void aWriteReplyAfterTheLeaseLapsedIsPassedOnOnceZooKeeperConfirmsTheSameMaster() {
        TopologyHolder unconfirmed = unconfirmedTopology();
        replies = orderer(ProxyConfig.defaults(new NodeAddress("127.0.0.1", 0), NODE, List.of()), unconfirmed);
        ReplySlot write = replies.newSlot(false);
        ReplySlot read = replies.newSlot(true);
        arrive(write, "+OK\r\n");
        arrive(read, "$1\r\nv\r\n");
        assertEquals("", output(), "the write's reply waits for the lease, and the read's for it");
        assertEquals(1, awaitingLease.size());
        unconfirmed.lease().confirm(System.nanoTime());
        awaitingLease.settle();
        assertEquals("+OK\r\n$1\r\nv\r\n", output());
        assertEquals(0, awaitingLease.size());
    }

    @Test
    void aWriteReplyAfterTheLeaseLapsedIsUncertainWhenTheProxyFencesOrTheMasterChanges() {
        TopologyHolder unconfirmed = unconfirmedTopology();
        replies = orderer(ProxyConfig.defaults(new NodeAddress("127.0.0.1", 0), NODE, List.of()), unconfirmed);
        ReplySlot fencedWrite = replies.newSlot(false);
        arrive(fencedWrite, "+OK\r\n");
        unconfirmed.setFenced(true);
        awaitingLease.settle();
        String out = output();
        assertTrue(
                out.startsWith(
                        "-UNCERTAIN redis-failover: the reply from 127.0.0.1:1 came after the proxy's ZooKeeper lease lapsed and "
                                + "the proxy fenced itself"),
                out);
        unconfirmed.setFenced(false);
        ReplySlot movedWrite = replies.newSlot(false);
        arrive(movedWrite, "+OK\r\n");
        unconfirmed.update(new Topology(2, new NodeAddress("127.0.0.1", 2), List.of()));
        unconfirmed.lease().confirm(System.nanoTime());
        awaitingLease.settle();
        out = output();
        assertTrue(
                out.startsWith(
                        "-UNCERTAIN redis-failover: the reply from 127.0.0.1:1 came after the proxy's ZooKeeper lease lapsed and "
                                + "the topology changed to master 127.0.0.1:2 at epoch 2"),
                out);
    }

    /** A lease that follows ZooKeeper and was never confirmed: writes may not be acknowledged yet. */
    private static TopologyHolder unconfirmedTopology() {
        return new TopologyHolder(new Topology(1, NODE, List.of()), new WriteLease(3_000_000_000L, 0));
    }

    @Test
    void theConnectionClosesAfterTheRepliesQueuedBeforeTheClose() {
        replies = orderer();
        ReplySlot pending = replies.newSlot(true);
        replies.replyThenClose(Replies.OK);
        assertEquals("", output());
        assertTrue(channel.isOpen(), "QUIT's reply waits for the reply before it");
        arrive(pending, "+PONG\r\n");
        assertEquals("+PONG\r\n+OK\r\n", output());
        assertFalse(channel.isOpen());
        assertFalse(replies.isOpen());
    }

    @Test
    void aClientPastTheOutputLimitIsClosed() {
        ProxyConfig small = ProxyConfig.builder(new NodeAddress("127.0.0.1", 0), NODE, List.of())
                .clientOutputLimitBytes(16)
                .build();
        replies = orderer(small, new TopologyHolder(new Topology(1, NODE, List.of())));
        ReplySlot big = replies.newSlot(true);
        replies.newSlot(true); // still owed: the big reply waits for the end of the loop turn to be flushed
        arrive(big, "$20\r\n01234567890123456789\r\n");
        assertFalse(channel.isOpen(), "27 unsent bytes against a 16-byte limit");
        assertFalse(replies.isOpen());
    }
}
