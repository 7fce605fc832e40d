package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * CONFIG SET and CONFIG RESETSTAT reach every node of the group through the proxy, with Redis' own
 * answers: all parameters or none (on every node), and parameters that would take the group apart refused.
 */
class GroupConfigIT {

    @TempDir
    static Path dir;

    private static RedisProcess master;
    private static List<RedisProcess> replicas;
    private static RunningProxy proxy;

    @BeforeAll
    static void startGroup() {
        master = RedisProcess.start(dir, null);
        replicas = List.of(RedisProcess.start(dir, master), RedisProcess.start(dir, master));
        replicas.forEach(replica -> replica.awaitReplicationFrom(master));
        proxy = RunningProxy.start(master, replicas, config -> config);
    }

    @AfterAll
    static void stopGroup() {
        proxy.close();
        replicas.forEach(RedisProcess::close);
        master.close();
    }

    @AfterEach
    void restoreDefaults() throws Exception {
        for (RedisProcess node : nodes()) {
            try (Jedis jedis = node.client()) {
                jedis.configSet(
                        "notify-keyspace-events",
                        "",
                        "hash-max-listpack-entries",
                        "128",
                        "maxmemory-policy",
                        "noeviction",
                        "slowlog-log-slower-than",
                        "10000",
                        "hz",
                        "10");
            }
        }
    }

    private static List<RedisProcess> nodes() {
        List<RedisProcess> all = new ArrayList<>(replicas);
        all.add(0, master);
        return all;
    }

    private static List<String> valuesOnEveryNode(String parameter) {
        List<String> values = new ArrayList<>();
        for (RedisProcess node : nodes()) {
            try (Jedis jedis = node.client()) {
                values.add(jedis.configGet(parameter).get(parameter));
            }
        }
        return values;
    }

    private static String direct(String... command) throws IOException {
        try (RawClient redis = RawClient.connect(master.port())) {
            return redis.call(command);
        }
    }

    private static String proxied(String... command) throws IOException {
        try (RawClient client = RawClient.connect(proxy.port())) {
            return client.call(command);
        }
    }

    @Test
    void aSettingReachesEveryNodeAndConfigGetAnswersAsTheMaster() throws Exception {
        assertEquals(
                "+OK\r\n",
                proxied("CONFIG", "SET", "hash-max-listpack-entries", "17", "maxmemory-policy", "allkeys-lfu"));
        assertEquals(List.of("17", "17", "17"), valuesOnEveryNode("hash-max-listpack-entries"));
        assertEquals(List.of("allkeys-lfu", "allkeys-lfu", "allkeys-lfu"), valuesOnEveryNode("maxmemory-policy"));
        assertEquals(
                direct("CONFIG", "GET", "hash-max-listpack-entries"),
                proxied("CONFIG", "GET", "hash-max-listpack-entries"));
    }

    @Test
    void redisRefusalIsAnsweredAsRedisAnswersItAndChangesNoNode() throws Exception {
        for (String[] bad : List.of(
                new String[] {"CONFIG", "SET", "hash-max-listpack-entries", "19", "maxmemory-policy", "bogus"},
                new String[] {"CONFIG", "SET", "hash-max-listpack-entries", "19", "nosuchparameter", "1"},
                new String[] {"CONFIG", "SET", "hash-max-listpack-entries", "19", "hash-max-listpack-entries", "20"},
                new String[] {"CONFIG", "SET", "hash-max-listpack-entries"},
                new String[] {"CONFIG", "SET", "hash-max-listpack-entries", "19", "hz"})) {
            String expected = direct(bad);
            assertTrue(expected.startsWith("-ERR"), expected);
            assertEquals(expected, proxied(bad), String.join(" ", bad));
            assertEquals(
                    List.of("128", "128", "128"),
                    valuesOnEveryNode("hash-max-listpack-entries"),
                    String.join(" ", bad));
        }
    }

    @Test
    void parametersThatWouldTakeTheGroupApartAreRefusedWithTheReason() throws Exception {
        for (String parameter : List.of(
                "replica-read-only",
                "slave-priority",
                "dir",
                "port",
                "requirepass",
                "tls-port",
                "maxclients",
                "client-output-buffer-limit",
                "repl-backlog-size",
                "REPLICA-PRIORITY")) {
            String reply = proxied("CONFIG", "SET", "hz", "11", parameter, "1");
            assertTrue(
                    reply.startsWith("-ERR CONFIG SET failed (possibly related to argument '" + parameter
                            + "') - refused by redis-failover: "),
                    reply);
        }
        assertEquals(
                List.of("10", "10", "10"), valuesOnEveryNode("hz"), "nothing applied when one parameter is refused");
    }

    @Test
    void configSetInsideMultiIsRefusedAndResetStatReachesEveryNode() throws Exception {
        try (RawClient client = RawClient.connect(proxy.port())) {
            assertEquals("+OK\r\n", client.call("MULTI"));
            assertTrue(client.call("CONFIG", "SET", "hz", "12")
                    .startsWith("-ERR redis-failover: CONFIG SET inside MULTI"));
            assertEquals("*0\r\n", client.call("EXEC"));
        }
        for (RedisProcess node : nodes()) {
            try (Jedis jedis = node.client()) {
                jedis.get("resetstat:probe");
                assertTrue(node.calls("get") > 0);
            }
        }
        assertEquals("+OK\r\n", proxied("CONFIG", "RESETSTAT"));
        for (RedisProcess node : nodes()) {
            assertEquals(0, node.calls("get"), "commandstats reset on " + node.address());
        }
    }

    @Test
    void keyspaceNotificationsEnabledThroughTheProxyReachASubscriberThroughTheProxy() throws Exception {
        assertEquals("+OK\r\n", proxied("CONFIG", "SET", "notify-keyspace-events", "KEA"));
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onPMessage(String pattern, String channel, String message) {
                events.add(channel + " " + message);
            }
        };
        Jedis subscriber = proxy.client();
        Thread thread = new Thread(() -> subscriber.psubscribe(listener, "__keyspace@0__:notify:*"));
        thread.start();
        try (Jedis jedis = proxy.client()) {
            Poll.until(
                    Duration.ofSeconds(10), "the subscriber is subscribed", () -> listener.getSubscribedChannels() > 0);
            jedis.set("notify:k", "v");
            assertEquals("__keyspace@0__:notify:k set", events.poll(10, TimeUnit.SECONDS));
        } finally {
            listener.punsubscribe();
            thread.join(10_000);
            subscriber.close();
        }
    }

    @Test
    void objectFreqWorksUnderAnLfuPolicySetThroughTheProxy() throws Exception {
        String before = proxied("OBJECT", "FREQ", "missing");
        assertEquals(direct("OBJECT", "FREQ", "missing"), before);
        assertEquals("+OK\r\n", proxied("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"));
        try (Jedis jedis = proxy.client()) {
            jedis.set("lfu:k", "v");
            for (int i = 0; i < 20; i++) {
                jedis.get("lfu:k");
            }
            assertTrue(jedis.objectFreq("lfu:k") > 0);
        }
        Map<String, String> onReplica;
        try (Jedis jedis = replicas.get(0).client()) {
            onReplica = jedis.configGet("maxmemory-policy");
        }
        assertEquals("allkeys-lfu", onReplica.get("maxmemory-policy"));
    }

    /** A replica that refuses what the master took: the master gets its previous values back, and the client is told. */
    @Test
    void aReplicaThatRefusesUndoesTheChangeOnTheOthers(@TempDir Path own) throws Exception {
        try (RedisProcess ownMaster = RedisProcess.start(own, null);
                RedisProcess refusing =
                        RedisProcess.start(own, ownMaster, "--rename-command", "CONFIG", "CONFIG-RENAMED");
                RunningProxy ownProxy = RunningProxy.start(ownMaster, List.of(refusing), config -> config);
                RawClient client = RawClient.connect(ownProxy.port())) {
            refusing.awaitReplicationFrom(ownMaster);
            String reply = client.call("CONFIG", "SET", "hz", "13");
            assertTrue(
                    reply.startsWith("-ERR CONFIG SET failed: replica " + refusing.address() + " refused it"), reply);
            try (Jedis jedis = ownMaster.client()) {
                assertEquals("10", jedis.configGet("hz").get("hz"), "the master's previous value is back");
            }
        }
    }
}
