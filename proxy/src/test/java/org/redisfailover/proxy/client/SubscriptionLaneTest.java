package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RedisRequest;

/** The subscription lane alone, with no master: the first SUBSCRIBE is held, and subscribed mode begins only once it is sent. */
class SubscriptionLaneTest {

    private final LaneFixture fixture = new LaneFixture();
    private final SubscriptionLane lane = fixture.subscriptions();

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aSubscribeWithNoMasterIsHeldAndTheClientIsNotSubscribedMeanwhile() {
        RedisRequest subscribe = LaneFixture.request("SUBSCRIBE", "news");
        lane.run(subscribe, fixture.route(subscribe));
        assertEquals(1, fixture.lanes.holdingBack);
        assertFalse(lane.subscribed());
        assertTrue(fixture.lanes.slots.get(0).lossIsDefinite(), "a lost subscription changed no data");
        fixture.expireHeld();
        assertTrue(fixture.output().startsWith("-ERR redis-failover: no master available"));
        assertFalse(lane.subscribed());
        assertEquals(0, fixture.lanes.holdingBack);
    }

    @Test
    void theFirstSubscriptionWaitsForEveryEarlierReply() {
        RedisRequest subscribe = LaneFixture.request("SUBSCRIBE", "news");
        try {
            assertFalse(lane.mayStart(subscribe, fixture.route(subscribe), true, 1));
            assertFalse(
                    lane.mayStart(subscribe, fixture.route(subscribe), false, 1),
                    "it opens the link: nothing may be in flight");
            assertTrue(lane.mayStart(subscribe, fixture.route(subscribe), true, 0));
        } finally {
            subscribe.release();
        }
    }

    @Test
    void withNoSubscriptionsThereIsNothingToCountOrReset() {
        assertEquals(0, lane.countsByFamily()[0] + lane.countsByFamily()[1] + lane.countsByFamily()[2]);
        lane.reset();
        assertFalse(lane.subscribed());
    }
}
