package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.testing.RedisGroup;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/** Real clients (Jedis, Lettuce) through the proxy, as they would use a single Redis. */
@ExtendWith(RedisGroup.class)
class ClientCompatibilityIT {

    private static RunningProxy proxy;

    @BeforeAll
    static void startProxy(RedisGroup group) {
        proxy = RunningProxy.start(group);
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    @Test
    void jedisBasicCommandsBehaveAsOnRedis(RedisGroup group) {
        try (Jedis jedis = proxy.client()) {
            assertEquals("PONG", jedis.ping());
            assertEquals("OK", jedis.set("compat:k", "v"));
            assertEquals("v", jedis.get("compat:k"));
            assertEquals(3, jedis.incrBy("compat:counter", 3));
            assertEquals(2, jedis.rpush("compat:list", "a", "b"));
            assertEquals(List.of("a", "b"), jedis.lrange("compat:list", 0, -1));
            assertNull(jedis.get("compat:missing"));
            assertEquals("hello", jedis.echo("hello"));
            JedisDataException wrongType = assertThrows(JedisDataException.class, () -> jedis.incr("compat:list"));
            assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value", wrongType.getMessage());
        }
        try (Jedis direct = group.master().client()) {
            assertEquals("v", direct.get("compat:k"), "the write reached the master");
        }
    }

    @Test
    void jedisPipelineOfTenThousandCommandsKeepsOrder() {
        try (Jedis jedis = proxy.client()) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                pipeline.set("pipe:" + i, "value-" + i);
                gets.add(pipeline.get("pipe:" + i));
            }
            pipeline.sync();
            for (int i = 0; i < 5_000; i++) {
                assertEquals("value-" + i, gets.get(i).get());
            }
        }
    }

    @Test
    void manyConcurrentConnectionsEachSeeTheirOwnReplies() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int c = 0; c < 200; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    try (Jedis jedis = proxy.client()) {
                        for (int i = 0; i < 50; i++) {
                            String key = "conn:" + client + ":" + i;
                            jedis.set(key, key);
                            assertEquals(key, jedis.get(key));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void largeValuesAndBinaryKeysSurviveTheTrip() {
        byte[] large = new byte[16 * 1024 * 1024];
        new Random(42).nextBytes(large);
        byte[] binaryKey = new byte[256];
        for (int i = 0; i < 256; i++) {
            binaryKey[i] = (byte) i;
        }
        try (Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", proxy.port(), 30_000)) {
            assertEquals("OK", jedis.set(binaryKey, large));
            assertArrayEquals(large, jedis.get(binaryKey));
            byte[] crlfValue = "a\r\nb\r\n*1\r\n$4\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            jedis.set("compat:crlf".getBytes(), crlfValue);
            assertArrayEquals(crlfValue, jedis.get("compat:crlf".getBytes()));
        }
    }

    @Test
    void selectIsPerClientConnection(RedisGroup group) {
        try (Jedis db0 = proxy.client();
                Jedis db5 = proxy.client()) {
            db5.select(5);
            db5.set("compat:db", "five");
            db0.set("compat:db", "zero");
            assertEquals("five", db5.get("compat:db"));
            assertEquals("zero", db0.get("compat:db"));
            JedisDataException outOfRange = assertThrows(JedisDataException.class, () -> db0.select(16));
            assertEquals("ERR DB index is out of range", outOfRange.getMessage());
        }
        try (Jedis direct = group.master().client()) {
            direct.select(5);
            assertEquals("five", direct.get("compat:db"));
        }
    }

    @Test
    void clientNameIsKeptPerConnection() {
        try (Jedis a = proxy.client();
                Jedis b = proxy.client()) {
            assertEquals("OK", a.clientSetname("alpha"));
            assertEquals("alpha", a.clientGetname());
            assertNull(b.clientGetname());
        }
    }

    @Test
    void lettuceFallsBackToResp2AndPipelinesAsync() throws Exception {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", proxy.port()));
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            RedisAsyncCommands<byte[], byte[]> async = connection.async();
            connection.setAutoFlushCommands(false);
            List<RedisFuture<byte[]>> gets = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                async.set(("lettuce:" + i).getBytes(), ("v" + i).getBytes());
                gets.add(async.get(("lettuce:" + i).getBytes()));
            }
            connection.flushCommands();
            assertTrue(LettuceFutures.awaitAll(Duration.ofSeconds(30), gets.toArray(new RedisFuture[0])));
            for (int i = 0; i < 2_000; i++) {
                assertArrayEquals(("v" + i).getBytes(), gets.get(i).get());
            }
            connection.setAutoFlushCommands(true);
            assertEquals("PONG", connection.sync().ping());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void refusedCommandsGetClearErrorsAndTheConnectionStaysUsable() {
        try (Jedis jedis = proxy.client()) {
            JedisDataException shutdown = assertThrows(
                    JedisDataException.class, () -> jedis.sendCommand(redis.clients.jedis.Protocol.Command.SHUTDOWN));
            assertTrue(
                    shutdown.getMessage().startsWith("ERR SHUTDOWN is not allowed through redis-failover"),
                    shutdown.getMessage());
            JedisDataException tracking = assertThrows(
                    JedisDataException.class,
                    () -> jedis.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "TRACKING", "on"));
            assertTrue(
                    tracking.getMessage().startsWith("ERR redis-failover: CLIENT TRACKING needs RESP3"),
                    tracking.getMessage());
            assertEquals("PONG", jedis.ping());
        }
    }
}
