package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.app.RedisFailoverMain;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * What a client with a connection of its own sees when the master changes under it: subscriptions
 * carry on (RESP2 and RESP3), a transaction is aborted rather than half-applied, a lost WATCH makes EXEC
 * answer null, a blocked XREAD carries on, a blocked pop that may have been served says so, a tracking
 * client is told to drop its cache and tracks again on the new master, and after a planned switchover
 * a blocked pop carries on on the new master.
 */
@ExtendWith(RedisGroup.class)
class PinnedFailoverIT {

    private static final Duration FAILOVER = Duration.ofSeconds(20);

    private TestingServer zooKeeper;
    private FailoverFixture fixture;
    private int port;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
        fixture.startMonitor("m1");
        fixture.awaitSeeded();
        port = fixture.startProxy("p1").boundAddress().port();
        Poll.until(Duration.ofSeconds(10), "the proxy to route writes", this::writeGoesThrough);
    }

    @AfterEach
    void stop() throws Exception {
        executor.shutdownNow();
        fixture.close();
        zooKeeper.close();
    }

    private boolean writeGoesThrough() {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 2_000)) {
            return "OK".equals(jedis.set("probe", "1"));
        } catch (Exception e) {
            return false;
        }
    }

    /** A Jedis subscriber on its own thread; received messages are queued as "channel=message". */
    private record Subscriber(Jedis jedis, JedisPubSub listener, BlockingQueue<String> received, Future<?> loop) {}

    private Subscriber subscribe(String channel) {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onMessage(String from, String message) {
                received.add(from + "=" + message);
            }
        };
        Jedis jedis = new Jedis("127.0.0.1", port, 0);
        Future<?> loop = executor.submit(() -> jedis.subscribe(listener, channel));
        Poll.until(Duration.ofSeconds(5), "the subscription", listener::isSubscribed);
        return new Subscriber(jedis, listener, received, loop);
    }

    /** Publishes until the subscriber has a message (a re-subscription may still be under way). */
    private void assertStillReceives(Subscriber subscriber, String channel) {
        Poll.until(FAILOVER, "a message on " + channel + " after the switch", () -> {
            try (Jedis publisher = new Jedis("127.0.0.1", port, 2_000)) {
                publisher.publish(channel, "after");
                return subscriber.received().poll(200, TimeUnit.MILLISECONDS) != null;
            } catch (Exception e) {
                return false;
            }
        });
        assertTrue(!subscriber.loop().isDone(), "the subscriber's connection must stay open");
    }

    @Test
    void killedMasterAbortsTransactionsKeepsSubscriptionsAndResumesReads(RedisGroup group) throws Exception {
        Subscriber subscriber = subscribe("events");
        try (RawClient inMulti = new RawClient(port, 30_000);
                RawClient watching = new RawClient(port, 30_000);
                RawClient reader = new RawClient(port, 30_000);
                RawClient popper = new RawClient(port, 30_000);
                RawClient resp3Subscriber = new RawClient(port, 30_000);
                RawClient tracker = new RawClient(port, 30_000)) {
            resp3Subscriber.send(RawClient.command("HELLO", "3") + RawClient.command("SUBSCRIBE", "resp3-events"));
            resp3Subscriber.readReply();
            assertEquals(">3\r\n$9\r\nsubscribe\r\n$12\r\nresp3-events\r\n:1\r\n", resp3Subscriber.readReply());
            tracker.send(RawClient.command("HELLO", "3")
                    + RawClient.command("CLIENT", "TRACKING", "ON")
                    + RawClient.command("GET", "tracked"));
            tracker.readReply();
            assertEquals("+OK\r\n", tracker.readReply());
            assertEquals("_\r\n", tracker.readReply());
            inMulti.send(RawClient.command("MULTI") + RawClient.command("SET", "tx:first", "1"));
            assertEquals("+OK\r\n", inMulti.readReply());
            assertEquals("+QUEUED\r\n", inMulti.readReply());
            watching.send(RawClient.command("SET", "watched", "before") + RawClient.command("WATCH", "watched"));
            assertEquals("+OK\r\n", watching.readReply());
            assertEquals("+OK\r\n", watching.readReply());
            reader.send(RawClient.command("XREAD", "BLOCK", "0", "STREAMS", "stream", "0-0"));
            popper.send(RawClient.command("BLPOP", "queue", "0"));
            Poll.until(Duration.ofSeconds(5), "both calls blocked", () -> blockedOn(group.master()) == 2);
            Poll.until(
                    Duration.ofSeconds(5),
                    "the replicas to have every write",
                    () -> group.replicas().stream().allMatch(replica -> "before".equals(get(replica, "watched"))));

            NodeAddress oldMaster = group.master().address();
            group.master().kill();

            // The tracking connection is gone, and what it tracked with it: the client is told to drop its whole cache.
            assertEquals(">2\r\n$10\r\ninvalidate\r\n_\r\n", tracker.readReply());

            // The pop may have been served just before the kill: its client is told the outcome is unknown.
            String pop = popper.readReply();
            assertTrue(pop.startsWith("-UNCERTAIN "), pop);

            fixture.awaitNewMaster(oldMaster, FAILOVER);
            Poll.until(FAILOVER, "writes through the proxy again", this::writeGoesThrough);

            // MULTI was open: the rest of the transaction is refused and EXEC aborts it; nothing was applied.
            inMulti.send(RawClient.command("SET", "tx:second", "2")
                    + RawClient.command("EXEC")
                    + RawClient.command("EXISTS", "tx:first"));
            String queued = inMulti.readReply();
            assertTrue(queued.startsWith("-ERR redis-failover: the transaction was aborted"), queued);
            assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", inMulti.readReply());
            assertEquals(":0\r\n", inMulti.readReply());
            inMulti.send(
                    RawClient.command("MULTI") + RawClient.command("SET", "tx:again", "3") + RawClient.command("EXEC"));
            assertEquals("+OK\r\n", inMulti.readReply());
            assertEquals("+QUEUED\r\n", inMulti.readReply());
            assertEquals("*1\r\n+OK\r\n", inMulti.readReply(), "a new transaction runs on the new master");

            // WATCH was open: the watched key can no longer be vouched for, so EXEC answers null, as on a conflict.
            watching.send(RawClient.command("GET", "watched")
                    + RawClient.command("MULTI")
                    + RawClient.command("SET", "watched", "after")
                    + RawClient.command("EXEC")
                    + RawClient.command("GET", "watched"));
            assertEquals("$6\r\nbefore\r\n", watching.readReply());
            assertEquals("+OK\r\n", watching.readReply());
            assertEquals("+QUEUED\r\n", watching.readReply());
            assertEquals("*-1\r\n", watching.readReply());
            assertEquals("$6\r\nbefore\r\n", watching.readReply());

            // XREAD changes nothing, so it is sent again to the new master and still gets the entry.
            try (Jedis jedis = new Jedis("127.0.0.1", port, 5_000)) {
                jedis.sendCommand(redis.clients.jedis.Protocol.Command.XADD, "stream", "5-0", "field", "value");
            }
            String read = reader.readReply();
            assertTrue(read.contains("5-0") && read.contains("value"), read);

            assertStillReceives(subscriber, "events");

            // The RESP3 subscriber is subscribed again on the new master, and gets messages as pushes.
            try (Jedis publisher = new Jedis("127.0.0.1", port, 5_000)) {
                Poll.until(
                        FAILOVER,
                        "the RESP3 subscription on the new master",
                        () -> publisher.publish("resp3-events", "after") > 0);
            }
            assertEquals(">3\r\n$7\r\nmessage\r\n$12\r\nresp3-events\r\n$5\r\nafter\r\n", resp3Subscriber.readReply());

            // Tracking carries on on the new master: a key read there is invalidated when it changes.
            tracker.send(RawClient.command("GET", "tracked"));
            tracker.readReply();
            try (Jedis writer = new Jedis("127.0.0.1", port, 5_000)) {
                writer.set("tracked", "changed");
            }
            assertEquals(">2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\ntracked\r\n", tracker.readReply());
        } finally {
            subscriber.listener().unsubscribe();
            subscriber.jedis().close();
        }
    }

    @Test
    void switchoverResumesBlockedPopOnTheNewMasterAndKeepsSubscriptions(RedisGroup group) throws Exception {
        Subscriber subscriber = subscribe("news");
        try (RawClient popper = new RawClient(port, 30_000)) {
            popper.send(RawClient.command("BLPOP", "jobs", "0"));
            Poll.until(Duration.ofSeconds(5), "the pop blocked", () -> blockedOn(group.master()) == 1);

            NodeAddress target = group.replicas().get(0).address();
            StringWriter out = new StringWriter();
            CommandLine switchover = new CommandLine(new RedisFailoverMain());
            switchover.setOut(new PrintWriter(out));
            switchover.setErr(new PrintWriter(out));
            int exit = switchover.execute(
                    "switchover",
                    "--zk",
                    zooKeeper.getConnectString(),
                    "--zk-path",
                    FailoverFixture.LAYOUT.root(),
                    "--to",
                    target.toString());
            assertEquals(0, exit, out.toString());
            Poll.until(
                    FAILOVER,
                    "the pop blocked on the new master",
                    () -> blockedOn(group.replicas().get(0)) == 1);

            try (Jedis jedis = new Jedis("127.0.0.1", port, 5_000)) {
                jedis.rpush("jobs", "job-1");
            }
            assertEquals(
                    "*2\r\n$4\r\njobs\r\n$5\r\njob-1\r\n",
                    popper.readReply(),
                    "the pop carries on, unaware of the switch");
            assertStillReceives(subscriber, "news");
        } finally {
            subscriber.listener().unsubscribe();
            subscriber.jedis().close();
        }
    }

    private static String get(RedisProcess node, String key) {
        try (Jedis jedis = node.client()) {
            return jedis.get(key);
        }
    }

    private static long blockedOn(RedisProcess node) {
        try (Jedis jedis = node.client()) {
            for (String line : jedis.info("clients").split("\r\n")) {
                if (line.startsWith("blocked_clients:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1));
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
