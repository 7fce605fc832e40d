package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RedisRequest;

/** The shared lane alone: what it routes, what the proxy answers itself, and when it may start. */
class SharedLaneTest {

    private final LaneFixture fixture = new LaneFixture();
    private final SharedLane lane = new SharedLane(
            fixture.lanes,
            fixture.routing,
            new LocalCommands(
                    fixture.state,
                    fixture.own,
                    fixture.modes(),
                    fixture.replies,
                    fixture.shared,
                    fixture.lanes,
                    new ClientListCommand(
                            fixture.groupNodes(),
                            fixture.shared,
                            fixture.own,
                            fixture.lanes,
                            fixture.replies,
                            fixture.channel.eventLoop())),
            new GroupCommands(
                    new GroupConfigCommand(
                            fixture.groupNodes(),
                            fixture.shared,
                            fixture.replies,
                            fixture.lanes,
                            fixture.channel.eventLoop()),
                    new GroupAclCommand(
                            fixture.groupNodes(),
                            fixture.shared,
                            fixture.replies,
                            fixture.lanes,
                            fixture.channel.eventLoop()),
                    new ScriptKill(
                            fixture.shared,
                            fixture.loop,
                            fixture.own,
                            fixture.replies,
                            fixture.lanes,
                            () -> ScriptKill.groupNodes(fixture.shared))),
            null,
            fixture.replies,
            fixture.state);

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void run(String... args) {
        RedisRequest request = LaneFixture.request(args);
        lane.run(request, fixture.route(request));
    }

    @Test
    void aReadOrAWriteGoesToTheRoutingWithASlotThatSaysWhetherItsLossIsDefinite() {
        run("GET", "k");
        run("SET", "k", "v");
        assertEquals(2, fixture.routing.sent.size());
        assertTrue(fixture.routing.sent.get(0).slot().lossIsDefinite(), "a lost read had no effect");
        assertFalse(fixture.routing.sent.get(1).slot().lossIsDefinite(), "a lost write may have run");
        assertEquals("set", fixture.routing.sent.get(1).request().name());
    }

    @Test
    void theProxyAnswersTheClientsOwnConnectionsCommandsAndRefusesWhatItMustNot() {
        run("PING");
        run("SHUTDOWN");
        run("EXEC");
        assertEquals(
                "+PONG\r\n-ERR SHUTDOWN is not allowed through redis-failover: "
                        + fixture.shared.classifier().classifyName("shutdown").reason()
                        + "\r\n-ERR EXEC without MULTI\r\n",
                fixture.output());
        assertTrue(fixture.routing.sent.isEmpty(), "nothing reached a node");
    }

    @Test
    void anHttpRequestClosesTheConnection() {
        run("POST", "/", "HTTP/1.1");
        fixture.output();
        assertFalse(fixture.channel.isOpen());
    }

    @Test
    void itStartsOnALaneChangeOnlyOnceEveryEarlierReplyIsIn() {
        RedisRequest get = LaneFixture.request("GET", "k");
        try {
            assertTrue(lane.mayStart(get, fixture.route(get), false, 5), "on the same lane, a request pipelines");
            assertFalse(
                    lane.mayStart(get, fixture.route(get), true, 1), "after another lane, it waits for its replies");
            assertTrue(lane.mayStart(get, fixture.route(get), true, 0));
        } finally {
            get.release();
        }
    }
}
