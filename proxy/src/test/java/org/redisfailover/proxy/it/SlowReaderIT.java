package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.proxy.config.OutputLimits;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * A client that does not read its replies costs only itself: twelve clients each pipeline sixty GETs of a
 * 1 MB value and never read, while another client's GET of a small key is timed, against Redis itself and
 * through the proxy. Subscribers that fall behind are closed at the pub/sub limits, and Redis then stops
 * counting them.
 */
class SlowReaderIT {

    private static final int SLOW_CLIENTS = 12;
    private static final int GETS_EACH = 60;
    private static final String BIG = "x".repeat(1 << 20);

    @TempDir
    static Path dir;

    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start(dir, null);
        try (Jedis jedis = redis.client()) {
            jedis.set("slow:big", BIG);
            jedis.set("slow:small", "v");
        }
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** What the timed client saw while the slow clients held their replies unread. */
    private record Run(long maxMicros, int samples, int errors, List<RawClient> slowClients) {}

    private static Run underSlowReaders(int port) throws IOException {
        List<RawClient> slow = new ArrayList<>();
        String gets = RawClient.command("GET", "slow:big").repeat(GETS_EACH);
        try (RawClient timed = RawClient.connect(port)) {
            assertEquals("$1\r\nv\r\n", timed.call("GET", "slow:small"));
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                RawClient client = new RawClient(port, 2_000);
                client.send(gets);
                slow.add(client);
            }
            long max = 0;
            int errors = 0;
            int samples = 0;
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end && samples < 10_000) {
                long start = System.nanoTime();
                if (!"$1\r\nv\r\n".equals(timed.call("GET", "slow:small"))) {
                    errors++;
                }
                max = Math.max(max, (System.nanoTime() - start) / 1_000);
                samples++;
            }
            return new Run(max, samples, errors, slow);
        }
    }

    private static long connectionsReceived(Jedis jedis) {
        String info = jedis.info("stats");
        String field = info.lines()
                .filter(line -> line.startsWith("total_connections_received:"))
                .findFirst()
                .orElseThrow();
        return Long.parseLong(field.substring(field.indexOf(':') + 1).strip());
    }

    @Test
    void clientsThatDoNotReadAreClosedAtTheBudgetAndDelayNobodyMoreThanRedisItself() throws Exception {
        Run direct = underSlowReaders(redis.port());
        direct.slowClients().forEach(client -> closeQuietly(client));
        OutputLimits limits = OutputLimits.DEFAULT.withBudgetBytes(64L << 20);
        try (RunningProxy proxy =
                RunningProxy.start(redis, List.of(), c -> c.ioThreads(1).outputLimits(limits))) {
            try (RawClient warm = RawClient.connect(proxy.port())) {
                assertEquals("$1\r\nv\r\n", warm.call("GET", "slow:small")); // the loop's shared connection is open
            }
            Jedis stats = redis.client(); // one connection for both readings: it counts once, before
            long connectionsBefore = connectionsReceived(stats);
            Run proxied = underSlowReaders(proxy.port());
            try {
                assertEquals(0, proxied.errors(), "the timed client's requests all answered");
                int[] closed = {0};
                Poll.until(Duration.ofSeconds(30), "the clients over the budget to be closed", () -> {
                    closed[0] = (int) proxied.slowClients().stream()
                            .filter(RawClient::drainsToClose)
                            .count();
                    return closed[0] >= SLOW_CLIENTS - 1;
                });
                assertEquals(
                        connectionsBefore,
                        connectionsReceived(stats),
                        "the shared backend connection was never closed");
                // A shared connection answers in order: the small GET waits behind the big replies asked for ahead of
                // it,
                // which each client's in-flight window keeps to about a megabyte (without it: 720 MB, over a second).
                System.out.printf(
                        "slowest GET of a small key under %d slow readers: Redis itself %d us, through the proxy %d us%n",
                        SLOW_CLIENTS, direct.maxMicros(), proxied.maxMicros());
                assertTrue(
                        proxied.maxMicros()
                                <= 2 * direct.maxMicros() + 200_000, // no worse than Redis, with room for noise
                        "slowest GET of a small key: through the proxy " + proxied.maxMicros() + " us, Redis itself "
                                + direct.maxMicros() + " us");
            } finally {
                stats.close();
                proxied.slowClients().forEach(SlowReaderIT::closeQuietly);
            }
        }
    }

    @Test
    void aSubscriberThatFallsBehindIsClosedAtThePubsubLimitAndRedisStopsCountingIt() throws Exception {
        OutputLimits limits = OutputLimits.DEFAULT.withPubsub(1L << 20, 0, Duration.ZERO);
        try (RunningProxy proxy = RunningProxy.start(redis, List.of(), c -> c.outputLimits(limits));
                RawClient subscriber = new RawClient(proxy.port(), 2_000);
                Jedis publisher = redis.client()) {
            assertEquals("*3\r\n$9\r\nsubscribe\r\n$4\r\nfeed\r\n:1\r\n", subscriber.call("SUBSCRIBE", "feed"));
            String message = "m".repeat(100_000);
            long published = 0;
            for (int i = 0; i < 5_000 && publisher.publish("feed", message) > 0; i++) {
                published += message.length();
            }
            assertEquals(
                    0,
                    publisher.publish("feed", message),
                    "Redis no longer counts the subscriber: " + published + " bytes published");
            assertTrue(subscriber.drainsToClose(), "the subscriber was closed");
        }
    }

    @Test
    void aSubscriberOverTheSoftLimitForItsTimeIsClosedUnderTheHardLimit() throws Exception {
        OutputLimits limits = OutputLimits.DEFAULT.withPubsub(256L << 20, 256 * 1024, Duration.ofSeconds(1));
        try (RunningProxy proxy = RunningProxy.start(redis, List.of(), c -> c.outputLimits(limits));
                RawClient subscriber = new RawClient(proxy.port(), 2_000);
                Jedis publisher = redis.client()) {
            subscriber.call("SUBSCRIBE", "feed");
            String message = "m".repeat(100_000);
            long start = System.nanoTime();
            long published = 0;
            for (int i = 0; i < 5_000 && publisher.publish("feed", message) > 0; i++) {
                published += message.length();
                LockSupport.parkNanos(
                        Duration.ofMillis(10).toNanos()); // pacing the load (10 MB/s), not waiting for anything
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(
                    elapsedMillis >= 1_000, "closed only after a second over the soft limit: " + elapsedMillis + " ms");
            assertTrue(published < 256L << 20, "closed well under the hard limit: " + published + " bytes");
        }
    }

    private static void closeQuietly(RawClient client) {
        try {
            client.close();
        } catch (IOException e) {
            // already closed by the peer
        }
    }
}
