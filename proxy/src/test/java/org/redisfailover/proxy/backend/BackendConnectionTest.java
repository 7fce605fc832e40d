package org.redisfailover.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.FlushBatcher;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.testing.Poll;

/**
 * A backend connection whose server dies under it: replies already in are delivered in request order,
 * what was sent and not answered is lost (its owner decides what the client is told), and what never got
 * a connection is handed back unsent. The server is a socket that answers one request and then closes: a
 * connection that dies mid-pipeline is the fault under test, not Redis' semantics.
 */
class BackendConnectionTest {

    private EventLoopGroup group;
    private EventLoop loop;
    private BackendPool pool;

    @BeforeEach
    void setUp() throws Exception {
        Transport transport = Transport.best();
        group = transport.newGroup(1, "backend-test");
        loop = group.next();
        ProxyConfig config =
                ProxyConfig.defaults(new NodeAddress("127.0.0.1", 0), new NodeAddress("127.0.0.1", 1), List.of());
        pool = onLoop(() -> new BackendPool(
                loop, transport, null, null, config, new FlushBatcher(loop), ProxyMetrics.disabled(), node -> null));
    }

    @AfterEach
    void tearDown() throws Exception {
        onLoop(() -> {
            pool.close();
            return null;
        });
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    private void send(NodeAddress node, RecordedReply... outcomes) throws Exception {
        onLoop(() -> {
            BackendConnection connection = pool.connection(node, 0, RespVersion.RESP2);
            for (RecordedReply outcome : outcomes) {
                connection.send(RespWriter.request(ByteBufAllocator.DEFAULT, "GET", "k"), outcome, null);
            }
            return null;
        });
    }

    @Test
    void aConnectionThatDiesMidPipelineDeliversWhatCameAndLosesTheRest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NodeAddress node = new NodeAddress("127.0.0.1", server.getLocalPort());
            RecordedReply first = new RecordedReply();
            RecordedReply second = new RecordedReply();
            RecordedReply third = new RecordedReply();
            send(node, first, second, third);
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout(10_000);
                readRequests(accepted.getInputStream(), 3);
                OutputStream out = accepted.getOutputStream();
                out.write("$1\r\nv\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } // closed with two requests unanswered
            Poll.until(
                    Duration.ofSeconds(10),
                    "every request to hear its outcome",
                    () -> !first.events.isEmpty() && !second.events.isEmpty() && !third.events.isEmpty());
            assertEquals(List.of("reply $1\r\nv"), first.events);
            assertEquals(List.of("lost " + node), second.events);
            assertEquals(List.of("lost " + node), third.events);
            assertFalse(onLoop(() -> pool.health().isHealthy(node)), "the node counts as down from its first failure");
        }
    }

    /**
     * However a dedicated connection ends (its node refused it, it was broken off, closed), its owner hears why
     * once, and never for a close on purpose: the owner answers its client from that one call.
     */
    @Test
    void aDedicatedConnectionsOwnerHearsOnceWhyItEnded() throws Exception {
        NodeAddress nobody;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = new NodeAddress("127.0.0.1", closed.getLocalPort());
        }
        List<String> told = new CopyOnWriteArrayList<>();
        BackendConnection refused = onLoop(() -> {
            BackendConnection connection = pool.dedicated(
                    nobody, 0, BackendConnection.Purpose.TRANSACTION, Handshake.proxy(RespVersion.RESP2));
            connection.onBroken(told::add);
            return connection;
        });
        Poll.until(Duration.ofSeconds(5), "the refused connection's owner to hear of it", () -> !told.isEmpty());
        onLoop(() -> {
            refused.breakOff(); // the node stops being routed to after the connection already ended
            refused.close();
            return null;
        });
        assertEquals(1, told.size(), "told once: " + told);
        assertTrue(told.get(0).startsWith("cannot connect"), told.get(0));
        assertTrue(refused.isClosed());

        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            NodeAddress node = new NodeAddress("127.0.0.1", silent.getLocalPort());
            List<String> closedTold = new CopyOnWriteArrayList<>();
            List<String> brokenTold = new CopyOnWriteArrayList<>();
            onLoop(() -> {
                BackendConnection closedOnPurpose = pool.dedicated(
                        node, 0, BackendConnection.Purpose.TRANSACTION, Handshake.proxy(RespVersion.RESP2));
                closedOnPurpose.onBroken(closedTold::add);
                BackendConnection brokenOff = pool.dedicated(
                        node, 0, BackendConnection.Purpose.TRANSACTION, Handshake.proxy(RespVersion.RESP2));
                brokenOff.onBroken(brokenTold::add);
                closedOnPurpose.close();
                brokenOff.breakOff();
                brokenOff.breakOff();
                return null;
            });
            assertEquals(List.of(), closedTold, "closed on purpose: nobody is told");
            assertEquals(List.of(node + " is no longer routed to"), brokenTold);
        }
    }

    @Test
    void requestsWaitingForAConnectionThatCannotBeMadeAreHandedBackUnsent() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        } // nothing listens there now: the connection is refused
        NodeAddress node = new NodeAddress("127.0.0.1", closedPort);
        RecordedReply waiting = new RecordedReply();
        send(node, waiting);
        Poll.until(Duration.ofSeconds(10), "the waiting request to be handed back", () -> !waiting.events.isEmpty());
        assertEquals(1, waiting.events.size());
        String event = waiting.events.get(0);
        assertTrue(event.startsWith("unsent ERR redis-failover: " + node + " is unreachable ("), event);
        RecordedReply later = new RecordedReply();
        send(node, later);
        Poll.until(
                Duration.ofSeconds(10), "a request during the backoff to be answered", () -> !later.events.isEmpty());
        assertTrue(
                later.events.get(0).startsWith("unsent ERR redis-failover: " + node + " is unreachable"),
                "while reconnecting, a request is handed back at once rather than queued: " + later.events);
    }

    /** Reads until {@code count} RESP arrays of two bulk strings (GET k) have arrived. */
    private static void readRequests(InputStream in, int count) throws IOException {
        int expected = count * "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".length();
        byte[] buffer = new byte[expected];
        int read = 0;
        while (read < expected) {
            int n = in.read(buffer, read, expected - read);
            if (n < 0) {
                throw new IOException("the proxy closed after " + read + " bytes");
            }
            read += n;
        }
    }
}
