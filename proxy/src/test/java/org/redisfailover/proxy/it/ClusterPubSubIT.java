package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * Pub/sub in front of a cluster, where a client's subscriptions live on several nodes: shard channels on their
 * slots' masters (several at once, with Redis' counts), keyspace notifications from every master, and both
 * following their slot or master when it moves or fails over, with nothing of it shown to the client.
 */
class ClusterPubSubIT {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private RedisCluster cluster(int replicasEach) {
        RedisCluster cluster = RedisCluster.start(dir, 3, replicasEach);
        opened.add(cluster);
        return cluster;
    }

    private RunningProxy proxy(RedisCluster cluster) {
        RunningProxy proxy = RunningProxy.startCluster(cluster, config -> config);
        opened.add(proxy);
        return proxy;
    }

    private static int slot(String name) {
        return HashSlots.of(name.getBytes(StandardCharsets.UTF_8));
    }

    /** A name with {@code prefix} whose slot {@code master} serves. */
    private static String nameOn(RedisCluster cluster, RedisProcess master, String prefix) {
        for (int i = 0; i < 10_000; i++) {
            if (cluster.masterOf(slot(prefix + i)) == master) {
                return prefix + i;
            }
        }
        throw new AssertionError("no name served by " + master.port());
    }

    private static long count(String confirmation) {
        String[] lines = confirmation.split("\r\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith(":"), confirmation);
        return Long.parseLong(last.substring(1));
    }

    @Test
    void oneClientHoldsShardChannelsOnEveryMasterWithRedisCounts() throws Exception {
        RedisCluster cluster = cluster(0);
        RunningProxy proxy = proxy(cluster);
        List<String> channels = new ArrayList<>();
        for (RedisProcess master : cluster.masters()) {
            channels.add(nameOn(cluster, master, "orders:"));
        }
        try (RawClient subscriber = new RawClient(proxy.port(), READ_TIMEOUT_MILLIS);
                Jedis publisher = proxy.client()) {
            assertEquals(1, count(subscriber.call("SUBSCRIBE", "news")));
            for (int i = 0; i < channels.size(); i++) {
                // Before, the second shard channel went to the first one's node, and its MOVED reached the client.
                String confirmation = subscriber.call("SSUBSCRIBE", channels.get(i));
                assertTrue(confirmation.contains("ssubscribe") && confirmation.contains(channels.get(i)), confirmation);
                assertEquals(i + 1, count(confirmation), "shard channels are counted over every node");
            }
            for (RedisProcess master : cluster.masters()) {
                try (Jedis direct = master.client()) {
                    assertEquals(1, direct.pubsubShardChannels().size(), "one shard channel on each master");
                }
            }
            for (String channel : channels) {
                assertEquals(1L, publisher.sendCommand(Protocol.Command.SPUBLISH, channel, "for " + channel));
                String message = subscriber.readReply();
                assertTrue(message.contains("smessage") && message.contains("for " + channel), message);
            }
            publisher.publish("news", "n1");
            assertTrue(subscriber.readReply().contains("n1"));
            assertTrue(subscriber.call("PING").contains("pong"), "still in subscribed mode");

            subscriber.send(RawClient.command("SUNSUBSCRIBE"));
            Set<String> left = new HashSet<>();
            long lastCount = -1;
            for (int i = 0; i < channels.size(); i++) {
                String confirmation = subscriber.readReply();
                assertTrue(confirmation.contains("sunsubscribe"), confirmation);
                lastCount = count(confirmation);
                assertEquals(channels.size() - 1 - i, lastCount, "counts go down to 0 in the order they come");
                for (String channel : channels) {
                    if (confirmation.contains(channel)) {
                        left.add(channel);
                    }
                }
            }
            assertEquals(Set.copyOf(channels), left);
            publisher.publish("news", "n2");
            assertTrue(subscriber.readReply().contains("n2"), "the channel subscription stays");
            assertEquals(0, count(subscriber.call("UNSUBSCRIBE")));
            assertEquals("+PONG\r\n", subscriber.call("PING"), "out of subscribed mode");
        }
        for (RedisProcess master : cluster.masters()) {
            try (Jedis direct = master.client()) {
                Poll.until(
                        Duration.ofSeconds(5),
                        "the links to close",
                        () -> direct.pubsubShardChannels().isEmpty()
                                && direct.pubsubChannels().isEmpty());
            }
        }
    }

    @Test
    void keyspaceNotificationsComeFromEveryMaster() throws Exception {
        RedisCluster cluster = cluster(0);
        RunningProxy proxy = proxy(cluster);
        try (RawClient subscriber = new RawClient(proxy.port(), READ_TIMEOUT_MILLIS);
                Jedis client = proxy.client()) {
            assertEquals("OK", client.configSet("notify-keyspace-events", "K$"));
            assertEquals(1, count(subscriber.call("PSUBSCRIBE", "__keyspace@0__:*")), "one confirmation, not three");
            for (RedisProcess master : cluster.masters()) {
                try (Jedis direct = master.client()) {
                    assertEquals(1L, direct.pubsubNumPat(), "the pattern is on every master");
                }
            }
            for (RedisProcess master : cluster.masters()) {
                String key = nameOn(cluster, master, "k:");
                client.set(key, "v");
                String event = subscriber.readReply();
                assertTrue(event.contains("pmessage") && event.contains("__keyspace@0__:" + key), event);
            }
            assertEquals(0, count(subscriber.call("PUNSUBSCRIBE")));
            assertEquals("+PONG\r\n", subscriber.call("PING"));
        }
        for (RedisProcess master : cluster.masters()) {
            try (Jedis direct = master.client()) {
                Poll.until(
                        Duration.ofSeconds(5), "the pattern to go from every master", () -> direct.pubsubNumPat() == 0);
            }
        }
    }

    @Test
    void aShardChannelFollowsItsSlotWhenTheSlotMoves() throws Exception {
        RedisCluster cluster = cluster(0);
        RunningProxy proxy = proxy(cluster);
        RedisProcess from = cluster.masters().get(0);
        RedisProcess to = cluster.masters().get(1);
        String channel = nameOn(cluster, from, "moving:");
        try (RawClient subscriber = new RawClient(proxy.port(), READ_TIMEOUT_MILLIS);
                Jedis publisher = proxy.client()) {
            assertEquals(1, count(subscriber.call("SSUBSCRIBE", channel)));
            cluster.moveSlot(slot(channel), to, () -> {});
            // The old owner pushes sunsubscribe as the slot leaves it; the proxy subscribes on the new owner instead.
            Poll.until(Duration.ofSeconds(10), "the shard channel to be subscribed on the slot's new master", () -> {
                try (Jedis direct = to.client()) {
                    return direct.pubsubShardNumSub(channel).get(channel) == 1L;
                }
            });
            assertEquals(1L, publisher.sendCommand(Protocol.Command.SPUBLISH, channel, "after the move"));
            String message = subscriber.readReply();
            assertTrue(
                    message.contains("smessage") && message.contains("after the move"),
                    "not a sunsubscribe: " + message);
            assertTrue(subscriber.call("PING").contains("pong"));
        }
    }

    @Test
    void subscriptionsOfEveryKindFollowAMasterKilledWithSigkill() throws Exception {
        RedisCluster cluster = cluster(1);
        RunningProxy proxy = proxy(cluster);
        try (RawClient subscriber = new RawClient(proxy.port(), READ_TIMEOUT_MILLIS);
                Jedis client = proxy.client()) {
            assertEquals("OK", client.configSet("notify-keyspace-events", "K$"));
            assertEquals(1, count(subscriber.call("SUBSCRIBE", "news")));
            RedisProcess[] found = new RedisProcess[1];
            Poll.until(Duration.ofSeconds(5), "the channel's subscription on a node", () -> {
                for (RedisProcess node : cluster.nodes()) {
                    try (Jedis direct = node.client()) {
                        if (direct.pubsubNumSub("news").get("news") == 1L) {
                            found[0] = node;
                            return true;
                        }
                    }
                }
                return false;
            });
            RedisProcess home = found[0];
            assertTrue(cluster.masters().contains(home), "the channel lives on a master: " + home.port());
            // Everything on the master to be killed: the channel, its keyspace events and a shard channel.
            String channel = nameOn(cluster, home, "shard:");
            String key = nameOn(cluster, home, "key:");
            assertEquals(2, count(subscriber.call("PSUBSCRIBE", "__keyspace@0__:*")));
            assertEquals(1, count(subscriber.call("SSUBSCRIBE", channel)));

            home.kill();
            Poll.until(Duration.ofSeconds(30), "a write to the killed master's keys to succeed", () -> {
                try {
                    // A list write: no keyspace event with these notify-keyspace-events, so none reaches the
                    // subscriber.
                    return client.rpush("{" + key + "}probe", "x") > 0;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            cluster.awaitHealthy();
            RedisProcess promoted = cluster.masterOf(slot(key));
            Poll.until(Duration.ofSeconds(10), "every subscription placed again", () -> {
                long channels = 0;
                for (RedisProcess master : cluster.masters()) {
                    try (Jedis direct = master.client()) {
                        channels += direct.pubsubNumSub("news").get("news");
                    }
                }
                try (Jedis direct = promoted.client()) {
                    return channels == 1
                            && direct.pubsubNumPat() == 1
                            && direct.pubsubShardNumSub(channel).get(channel) == 1L;
                }
            });
            client.set(key, "after");
            String event = subscriber.readReply();
            assertTrue(event.contains("pmessage") && event.contains("__keyspace@0__:" + key), event);
            assertEquals(1L, client.sendCommand(Protocol.Command.SPUBLISH, channel, "s-after"));
            assertTrue(subscriber.readReply().contains("s-after"));
            client.publish("news", "n-after");
            assertTrue(subscriber.readReply().contains("n-after"));
            assertTrue(subscriber.call("PING").contains("pong"), "nothing else came to the client meanwhile");
        }
    }
}
