package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * The request and backend counters are exact although they are added once per batch (a flush of replies,
 * a read from a node) rather than once per request: after pipelines, every request is counted once, and
 * every request sent to a node is a reply or a loss, none left in flight; a client that leaves without
 * its reply is counted too.
 */
@ExtendWith(RedisGroup.class)
class RequestCountsIT {

    @Test
    void pipelinedRequestsAreEachCountedOnce(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group);
                Jedis first = proxy.client();
                Jedis second = proxy.client()) {
            ProxyMetrics metrics = proxy.server().metrics();
            first.ping();
            second.ping(); // connected: Jedis' CLIENT SETINFO on connecting is counted before what follows
            long setsBefore = metrics.requests(RoutingClass.MASTER).getCount();
            long getsBefore = metrics.requests(RoutingClass.READ).getCount();
            long repliesBefore = 0;
            for (RedisProcess node : group.all()) {
                repliesBefore += metrics.node(node.address()).latency().getCount();
            }
            for (Jedis client : List.of(first, second)) {
                Pipeline pipeline = client.pipelined();
                for (int i = 0; i < 700; i++) {
                    pipeline.set("counts:" + i, "v");
                    pipeline.get("counts:" + i);
                }
                pipeline.sync();
            }
            first.set("counts:one", "v");

            assertEquals(1401, metrics.requests(RoutingClass.MASTER).getCount() - setsBefore, "every SET once");
            assertEquals(1400, metrics.requests(RoutingClass.READ).getCount() - getsBefore, "every GET once");
            // A node's replies are added when the loop has read them all, which may be just after the client has its
            // reply.
            Poll.until(
                    Duration.ofSeconds(5),
                    "every request sent to a node answered or lost, none in flight",
                    () -> group.all().stream()
                            .map(node -> metrics.node(node.address()))
                            .allMatch(backend -> backend.sent().getCount()
                                    == backend.latency().getCount()
                                            + backend.lost().getCount()));
            long replies = 0;
            for (RedisProcess node : group.all()) {
                replies += metrics.node(node.address()).latency().getCount();
            }
            assertEquals(
                    2801, replies - repliesBefore, "one backend reply per SET and GET, whichever nodes they went to");
        }
    }

    @Test
    void aClientThatLeavesWithoutItsReplyIsCounted(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group)) {
            RawClient client = new RawClient(proxy.port(), 5000);
            client.send(RawClient.command("BLPOP", "counts:never", "0"));
            Poll.until(Duration.ofSeconds(10), "the BLPOP to reach Redis", () -> {
                try (Jedis master = group.master().client()) {
                    return master.clientList().contains("cmd=blpop");
                }
            });
            client.close();
            Poll.until(
                    Duration.ofSeconds(10),
                    "the unanswered BLPOP counted",
                    () -> proxy.server()
                                    .metrics()
                                    .requests(RoutingClass.PIN_BLOCKING)
                                    .getCount()
                            == 1);
        }
    }
}
