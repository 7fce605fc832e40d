package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;

/**
 * Lane changes, seen through requests that wait for a master: the topology has none, so every request
 * that needs one is held, and the hold timeout (driven by hand) answers them. What waited for what shows
 * in what a timeout answers.
 */
class RequestSequencerTest {

    private static final Duration HOLD = Duration.ofSeconds(5);
    private static final String NO_MASTER =
            "-ERR redis-failover: no master available (no master at epoch 1 (no-master); request held ";

    private EmbeddedClient client;

    @BeforeEach
    void setUp() {
        NodeAddress master = new NodeAddress("127.0.0.1", 1);
        ProxyConfig config = ProxyConfig.builder(new NodeAddress("127.0.0.1", 0), master, List.of())
                .hold(HOLD, 1000, 1 << 20)
                .build();
        client = new EmbeddedClient(config, new Topology(1, null, List.of()));
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    /** Runs the hold timeout now: every request held before this call is answered. */
    private String expireHeld() {
        client.resources.held.expire(System.nanoTime() + HOLD.toNanos() + 1);
        return client.output();
    }

    private static int lines(String out) {
        return out.split("\r\n", -1).length - 1;
    }

    @Test
    void aRequestThatChangesLaneWaitsUnsentForTheRepliesBeforeIt() {
        assertEquals("", client.exchangeWhole("SET k v\r\nMULTI\r\nPING\r\n"));
        String first = expireHeld();
        // MULTI opens a connection of the client's own: it did not run until SET was answered, so only SET was held.
        assertTrue(first.startsWith(NO_MASTER) && lines(first) == 1, first);
        String second = expireHeld();
        assertTrue(
                second.startsWith(NO_MASTER) && second.endsWith("\r\n+PONG\r\n") && lines(second) == 2,
                "MULTI, held once it ran, then PING, which waited behind it: " + second);
    }

    @Test
    void requestsOnTheSameLaneRunAtOnceAndAreHeldInOrder() {
        assertEquals("", client.exchangeWhole("SET a 1\r\nGET a\r\nINCR b\r\n"));
        String out = expireHeld();
        assertEquals(3, lines(out), "all three were held together: " + out);
        assertTrue(out.startsWith(NO_MASTER), out);
    }

    /** The in-flight window: before any reply says how large this client's replies are, four requests go out at once. */
    @Test
    void aNewClientHasFourRequestsInFlightAndTheRestWaitUnsentInOrder() {
        assertEquals("", client.exchangeWhole("SET a 1\r\nSET b 1\r\nSET c 1\r\nSET d 1\r\nSET e 1\r\nPING\r\n"));
        String first = expireHeld();
        assertEquals(4, lines(first), "a new client's window: " + first);
        String second = expireHeld();
        assertTrue(
                second.startsWith(NO_MASTER) && second.endsWith("\r\n+PONG\r\n") && lines(second) == 2,
                "the fifth SET ran once the first four were answered, and PING waited behind it: " + second);
    }

    @Test
    void aBlockingCallHeldForAMasterKeepsLaterRequestsWaiting() {
        assertEquals("", client.exchangeWhole("BLPOP q 0\r\nSET k v\r\n"));
        String first = expireHeld();
        assertTrue(
                first.startsWith(NO_MASTER) && lines(first) == 1, "SET waited behind the held BLPOP, unsent: " + first);
        String second = expireHeld();
        assertTrue(second.startsWith(NO_MASTER) && lines(second) == 1, second);
    }

    @Test
    void quitIsAnsweredInOrderAfterHeldRequests() {
        assertEquals("", client.exchangeWhole("SET k v\r\nQUIT\r\n"));
        String out = expireHeld();
        assertTrue(out.startsWith(NO_MASTER) && out.endsWith("\r\n+OK\r\n"), out);
        assertTrue(!client.channel.isOpen(), "closed after QUIT's reply");
    }
}
