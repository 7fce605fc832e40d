package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Transaction;

/**
 * RESP3 end to end: a client that says HELLO 3 gets Redis' RESP3 replies byte for byte (maps, sets,
 * doubles, booleans, big numbers, verbatim strings, nulls, pushes), may run commands while subscribed,
 * and may use client-side caching (CLIENT TRACKING), with Lettuce and Jedis speaking RESP3 and Lettuce
 * also held to RESP2.
 */
@ExtendWith(RedisGroup.class)
class Resp3IT {

    private RunningProxy proxy;
    private RedisGroup group;

    @BeforeEach
    void start(RedisGroup group) {
        this.group = group;
        proxy = RunningProxy.start(
                group); // reads on the master: the byte-for-byte comparison reads right after writing
        try (Jedis master = group.master().client()) {
            master.flushAll();
        }
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    private static final List<String[]> RESP3_SEQUENCE = List.of(
            new String[] {"HSET", "h", "a", "1", "b", "2"},
            new String[] {"HGETALL", "h"},
            new String[] {"SADD", "s", "x"},
            new String[] {"SMEMBERS", "s"},
            new String[] {"ZADD", "z", "1.5", "m", "2", "n"},
            new String[] {"ZSCORE", "z", "m"},
            new String[] {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
            new String[] {"GET", "missing"},
            new String[] {"HGET", "h", "missing"},
            new String[] {"EVAL", "redis.setresp(3); return true", "0"},
            new String[] {"EVAL", "redis.setresp(3); return {double=3.5}", "0"},
            new String[] {"EVAL", "redis.setresp(3); return {big_number='123456789012345678901234567890'}", "0"},
            new String[] {"EVAL", "redis.setresp(3); return {map={k='v'}}", "0"},
            new String[] {"EVAL", "redis.setresp(3); return {set={e=true}}", "0"},
            new String[] {"LPOP", "nolist"},
            new String[] {"BLPOP", "nolist", "0.01"},
            new String[] {"BLMOVE", "nolist", "other", "LEFT", "LEFT", "0.01"},
            new String[] {"CLIENT", "GETNAME"},
            new String[] {"MULTI"},
            new String[] {"HGETALL", "h"},
            new String[] {"ZSCORE", "z", "n"},
            new String[] {"EXEC"},
            new String[] {"WATCH", "h"},
            new String[] {"HGETALL", "h"},
            new String[] {"UNWATCH"},
            new String[] {"CLIENT", "TRACKINGINFO"},
            new String[] {"HELLO", "2"},
            new String[] {"HGETALL", "h"},
            new String[] {"GET", "missing"},
            new String[] {"HELLO", "3"},
            new String[] {"ZSCORE", "z", "m"},
            new String[] {"RESET"},
            new String[] {"HGETALL", "h"});

    /** The replies to HELLO 3 and then {@code commands}, with HELLO's connection id (which differs) blanked. */
    private static List<String> run(int port, List<String[]> commands) throws IOException {
        List<String> replies = new ArrayList<>();
        try (RawClient client = new RawClient(port, 10_000)) {
            client.send(RawClient.command("DEL", "h", "s", "z", "nolist", "other") + RawClient.command("HELLO", "3"));
            client.readReply();
            replies.add(client.readReply().replaceAll("\\$2\r\nid\r\n:[0-9]+\r\n", "\\$2\r\nid\r\n:ID\r\n"));
            for (String[] command : commands) {
                client.send(RawClient.command(command));
                replies.add(String.join(" ", command) + " -> "
                        + client.readReply().replaceAll("\\$2\r\nid\r\n:[0-9]+\r\n", "\\$2\r\nid\r\n:ID\r\n"));
            }
        }
        return replies;
    }

    @Test
    void resp3RepliesAreRedisOwnByteForByte() throws IOException {
        List<String> direct = run(group.master().port(), RESP3_SEQUENCE);
        List<String> proxied = run(proxy.port(), RESP3_SEQUENCE);
        assertEquals(direct, proxied);
        assertTrue(direct.get(0).startsWith("%7\r\n") && direct.get(0).contains("proto\r\n:3\r\n"), direct.get(0));
        assertTrue(String.join("\n", direct).contains("HGETALL h -> %2\r\n"), "RESP3 was spoken: " + direct);
        assertTrue(String.join("\n", direct).contains("GET missing -> _\r\n"), "RESP3 null: " + direct);
    }

    @Test
    void verbatimStringsAndTheProtocolInClientInfo() throws IOException {
        try (RawClient client = new RawClient(proxy.port(), 10_000)) {
            client.send(RawClient.command("HELLO", "3")
                    + RawClient.command("INFO", "server")
                    + RawClient.command("CLIENT", "INFO"));
            client.readReply();
            assertTrue(client.readReply().startsWith("="), "INFO is a verbatim string in RESP3");
            String info = client.readReply();
            assertTrue(info.startsWith("=") || info.contains(" resp=3"), info);
            assertTrue(info.contains(" resp=3"), info);
            client.send(RawClient.command("HELLO", "4"));
            assertEquals("-NOPROTO unsupported protocol version\r\n", client.readReply());
        }
    }

    @Test
    void aSubscribedResp3ClientRunsCommandsAndGetsMessagesAsPushes() throws IOException {
        for (int port : new int[] {group.master().port(), proxy.port()}) {
            try (RawClient subscriber = new RawClient(port, 10_000);
                    Jedis publisher = new Jedis("127.0.0.1", proxy.port())) {
                subscriber.send(RawClient.command("HELLO", "3"));
                subscriber.readReply();
                subscriber.send(RawClient.command("SUBSCRIBE", "news"));
                assertEquals(">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", subscriber.readReply(), "port " + port);
                subscriber.send(
                        RawClient.command("SET", "k", "v") + RawClient.command("GET", "k") + RawClient.command("PING"));
                assertEquals("+OK\r\n", subscriber.readReply());
                assertEquals("$1\r\nv\r\n", subscriber.readReply());
                assertEquals("+PONG\r\n", subscriber.readReply());
                Poll.until(
                        Duration.ofSeconds(5),
                        "the message to be published",
                        () -> publisher.publish("news", "hi") > 0);
                assertEquals(">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n", subscriber.readReply());
                subscriber.send(RawClient.command("HELLO", "2"));
                String switchWhileSubscribed = subscriber.readReply();
                if (port == proxy.port()) {
                    assertEquals(
                            "-ERR redis-failover: HELLO cannot switch protocols while subscribed; unsubscribe first\r\n",
                            switchWhileSubscribed);
                }
                subscriber.send(RawClient.command("RESET") + RawClient.command("GET", "k"));
                assertEquals("+RESET\r\n", subscriber.readReply());
                assertEquals("$1\r\nv\r\n", subscriber.readReply());
            }
        }
    }

    @Test
    void lettuceNegotiatesResp3AndKeepsWorkingOnResp2() {
        for (ProtocolVersion version : new ProtocolVersion[] {ProtocolVersion.RESP3, ProtocolVersion.RESP2}) {
            RedisClient client = RedisClient.create("redis://127.0.0.1:" + proxy.port());
            client.setOptions(ClientOptions.builder().protocolVersion(version).build());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> redis = connection.sync();
                assertTrue(
                        redis.clientInfo().contains(" resp=" + (version == ProtocolVersion.RESP3 ? 3 : 2)),
                        redis.clientInfo());
                redis.hset("h", Map.of("a", "1", "b", "2"));
                assertEquals(Map.of("a", "1", "b", "2"), redis.hgetall("h"));
                redis.zadd("z", 2.5, "m");
                assertEquals(2.5, redis.zscore("z", "m"));
                assertNull(redis.get("missing"));
                redis.multi();
                redis.incr("counter");
                redis.hgetall("h");
                TransactionResult result = redis.exec();
                assertFalse(result.wasDiscarded());
                assertEquals(2, result.size());
                assertNull(redis.blpop(0.01, "nothing"));
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void jedisSpeaksResp3ThroughTheProxy() {
        try (Jedis jedis = new Jedis(
                "127.0.0.1",
                proxy.port(),
                DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3).build())) {
            jedis.hset("h", Map.of("a", "1"));
            assertEquals(Map.of("a", "1"), jedis.hgetAll("h"));
            Transaction transaction = jedis.multi();
            transaction.set("t", "1");
            transaction.get("t");
            assertEquals(List.of("OK", "1"), transaction.exec());
            assertNull(jedis.blpop(0.01, "nothing"));
            assertTrue(jedis.clientInfo().contains(" resp=3"), jedis.clientInfo());
        }
    }

    @Test
    void lettuceClientSideCachingIsInvalidatedThroughTheProxy() {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + proxy.port());
        try (StatefulRedisConnection<String, String> connection = client.connect();
                Jedis writer = proxy.client()) {
            Map<String, String> cache = new ConcurrentHashMap<>();
            CacheFrontend<String, String> frontend =
                    ClientSideCaching.enable(CacheAccessor.forMap(cache), connection, TrackingArgs.Builder.enabled());
            writer.set("cached", "one");
            assertEquals("one", frontend.get("cached"));
            assertEquals("one", cache.get("cached"), "Lettuce caches what it read");
            writer.set("cached", "two");
            Poll.until(
                    Duration.ofSeconds(5), "the invalidation to reach the client", () -> !cache.containsKey("cached"));
            assertEquals("two", frontend.get("cached"));
            assertTrue(
                    connection.sync().clientInfo().contains(" flags=t"),
                    connection.sync().clientInfo());
            frontend.close();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void broadcastTrackingAndItsRefusals() throws IOException {
        try (RawClient tracker = new RawClient(proxy.port(), 10_000);
                Jedis writer = proxy.client()) {
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:"));
            assertTrue(tracker.readReply().startsWith("-ERR redis-failover: CLIENT TRACKING needs RESP3"));
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "REDIRECT", "1"));
            assertTrue(
                    tracker.readReply().startsWith("-ERR redis-failover: CLIENT TRACKING REDIRECT is not supported"));
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "BOGUS"));
            assertEquals("-ERR syntax error\r\n", tracker.readReply(), "Redis judges the options");
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:"));
            assertEquals("+OK\r\n", tracker.readReply());
            writer.set("user:1", "x");
            writer.set("other", "y");
            assertEquals(">2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\nuser:1\r\n", tracker.readReply());
            tracker.send(RawClient.command("HELLO", "2"));
            assertTrue(tracker.readReply()
                    .startsWith("-ERR redis-failover: HELLO cannot switch protocols while CLIENT TRACKING is on"));
            tracker.send(RawClient.command("CLIENT", "TRACKING", "OFF") + RawClient.command("CLIENT", "TRACKINGINFO"));
            assertEquals("+OK\r\n", tracker.readReply());
            assertTrue(tracker.readReply().contains("off"), "tracking is off again");
        }
    }
}
