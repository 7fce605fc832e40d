package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RedisRequest;

/** The handshake lane alone: which commands it takes, and that with no master Redis cannot check a login, so the client is told. */
class HandshakeLaneTest {

    private final LaneFixture fixture = new LaneFixture();
    private final HandshakeLane lane = new HandshakeLane(
            fixture.lanes,
            fixture.routing,
            fixture.connections,
            fixture.own,
            new AuthGate(fixture.shared, fixture.replies, fixture.lanes, fixture.channel),
            fixture.modes(),
            fixture.shared,
            fixture.state,
            fixture.replies,
            fixture.channel.eventLoop());

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void run(String... args) {
        RedisRequest request = LaneFixture.request(args);
        lane.run(request, fixture.route(request));
    }

    @Test
    void itTakesTheCommandsThatChangeHowTheClientLogsIn() {
        assertTrue(lane.takes(fixture.shared.classifier().classifyName("auth")));
        assertTrue(lane.takes(fixture.shared.classifier().classifyName("hello")));
        assertTrue(lane.takes(fixture.shared.classifier().classifyName("client|tracking")));
        assertFalse(lane.takes(fixture.shared.classifier().classifyName("get")));
        assertFalse(lane.takes(fixture.shared.classifier().classifyName("client|setname")));
    }

    @Test
    void anAuthWithNoMasterIsRefusedAtOnceAndHoldsNothingBack() {
        run("AUTH", "alice", "secret");
        assertEquals("-ERR redis-failover: no master available to run AUTH on\r\n", fixture.output());
        assertEquals(0, fixture.lanes.holdingBack);
        assertTrue(fixture.routing.sent.isEmpty());
    }

    @Test
    void aHelloWithoutALoginIsTheSharedLanesToAnswer() {
        run("HELLO", "3");
        assertEquals(1, fixture.lanes.handedToShared.size());
    }

    @Test
    void aProtocolSwitchWaitsForTheRepliesOnTheClientsOwnConnections() {
        RedisRequest hello = LaneFixture.request("HELLO", "3");
        RedisRequest auth = LaneFixture.request("AUTH", "alice", "secret");
        try {
            assertTrue(
                    lane.mayStart(hello, fixture.route(hello), false, 3),
                    "no connections of its own: nothing to wait for");
            assertFalse(lane.mayStart(hello, fixture.route(hello), true, 3), "after another lane it waits");
            assertFalse(
                    lane.mayStart(auth, fixture.route(auth), false, 1),
                    "the requests after AUTH run as whoever it leaves the client");
            assertTrue(lane.mayStart(auth, fixture.route(auth), false, 0));
        } finally {
            hello.release();
            auth.release();
        }
    }
}
