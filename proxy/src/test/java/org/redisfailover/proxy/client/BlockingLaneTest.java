package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RedisRequest;

/** The blocking lane alone, with no master: a blocking call is held, not sent, and a lost one may have taken something. */
class BlockingLaneTest {

    private final LaneFixture fixture = new LaneFixture();
    private final BlockingLane lane = fixture.blocking();

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aBlockingCallWithNoMasterIsHeldThenAnsweredByTheHoldTimeout() {
        RedisRequest blpop = LaneFixture.request("BLPOP", "queue", "0");
        lane.run(blpop, fixture.route(blpop));
        assertEquals(1, fixture.lanes.holdingBack);
        assertFalse(lane.blocked(), "no call is in progress while it is held");
        assertFalse(
                fixture.lanes.slots.get(0).lossIsDefinite(),
                "a pop may have taken an element before its reply was lost");
        fixture.expireHeld();
        assertTrue(fixture.output().startsWith("-ERR redis-failover: no master available"));
        assertEquals(0, fixture.lanes.holdingBack);
    }

    @Test
    void everyCallWaitsForEveryEarlierReply() {
        RedisRequest blpop = LaneFixture.request("BLPOP", "queue", "0");
        try {
            assertFalse(
                    lane.mayStart(blpop, fixture.route(blpop), false, 1),
                    "its connection is its own: nothing earlier may be in flight");
            assertTrue(lane.mayStart(blpop, fixture.route(blpop), false, 0));
        } finally {
            blpop.release();
        }
    }
}
