package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RedisRequest;

/** The transaction lane alone, with no master: a WATCH or MULTI that opens its connection is held, and the client waits behind it. */
class TransactionLaneTest {

    private final LaneFixture fixture = new LaneFixture();
    private final TransactionLane lane = fixture.transactions();

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void run(String... args) {
        RedisRequest request = LaneFixture.request(args);
        lane.run(request, fixture.route(request));
    }

    @Test
    void aMultiWithNoMasterIsHeldAndKeepsTheClientsLaterRequestsWaitingUntilItTimesOut() {
        run("MULTI");
        assertEquals(1, fixture.lanes.holdingBack, "later requests wait behind the held MULTI");
        assertEquals("", fixture.output());
        assertFalse(lane.engaged(), "the transaction begins once MULTI is sent");
        fixture.expireHeld();
        assertTrue(fixture.output().startsWith("-ERR redis-failover: no master available"));
        assertEquals(0, fixture.lanes.holdingBack);
        assertTrue(fixture.lanes.slots.get(0).lossIsDefinite(), "a lost MULTI or WATCH changed no data");
    }

    @Test
    void theFirstRequestOnANewConnectionWaitsForEveryEarlierReply() {
        RedisRequest multi = LaneFixture.request("MULTI");
        try {
            assertFalse(
                    lane.mayStart(multi, fixture.route(multi), false, 1),
                    "a new pin: nothing earlier may be in flight");
            assertTrue(lane.mayStart(multi, fixture.route(multi), false, 0));
        } finally {
            multi.release();
        }
    }

    @Test
    void commandsItDoesNotCarryGoToTheSharedLane() {
        run("EXEC");
        run("SHUTDOWN");
        run("CONFIG", "SET", "maxmemory", "1mb");
        assertEquals(
                3, fixture.lanes.handedToShared.size(), "EXEC outside MULTI, a refused command, CONFIG outside MULTI");
        assertTrue(fixture.routing.sent.isEmpty());
    }
}
