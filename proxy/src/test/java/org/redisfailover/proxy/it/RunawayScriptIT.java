package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;

/**
 * A runaway script costs through the proxy what it costs with Redis alone, and is killed through it: SCRIPT KILL
 * and FUNCTION KILL reach the node at once (they never queue behind the script), the proxy's connections to a busy
 * node are not torn down at the backend timeout, and other clients get Redis' own BUSY error meanwhile. One event
 * loop, so that every client shares the connection the script runs on. Against redis-server and valkey-server.
 */
class RunawayScriptIT {

    private static final Duration BACKEND_TIMEOUT = Duration.ofMillis(1500);
    private static final String SPIN = "while true do end";

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private RedisProcess master;
    private RunningProxy proxy;

    static Stream<String> servers() {
        return Stream.of("redis-server", "valkey-server");
    }

    private void startGroup(String server) {
        assumeTrue(RedisProcess.onPath(server), server + " is not installed (scripts/test installs it)");
        master = RedisProcess.start(server, dir, null, "--busy-reply-threshold", "300");
        RedisProcess replica = RedisProcess.start(server, dir, master, "--busy-reply-threshold", "300");
        replica.awaitReplicationFrom(master);
        opened.add(replica);
        opened.add(master);
        proxy = RunningProxy.start(
                master, List.of(replica), config -> config.ioThreads(1).backendTimeout(BACKEND_TIMEOUT));
        opened.add(0, proxy);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    private RawClient client() throws IOException {
        RawClient client = RawClient.connect(proxy.port());
        opened.add(0, client);
        return client;
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aRunawayScriptIsKilledThroughTheProxyWhileOtherClientsPipeline(String server) throws Exception {
        startGroup(server);
        List<String> replies = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread pipeliner = new Thread(() -> pipeline(replies, stop), "pipeliner");
        pipeliner.start();
        try {
            Poll.until(Duration.ofSeconds(10), "the pipelining client's first replies", () -> replies.size() > 16);
            RawClient spinning = client();
            spinning.send(RawClient.command("EVAL", SPIN, "0"));
            long startedNanos = System.nanoTime();

            // The script runs on a connection of its own: the pipelining client, on the loop's shared connection, is
            // not queued behind it, and gets Redis' BUSY error after busy-reply-threshold as with Redis alone.
            Poll.until(
                    Duration.ofSeconds(10),
                    "a BUSY error for the pipelining client",
                    () -> replies.stream().anyMatch(r -> r.startsWith("-BUSY")));
            awaitBusyAnswer();
            // Past the backend timeout, twice over, the proxy still waits for the busy node: nothing was given up.
            Poll.until(
                    Duration.ofSeconds(20),
                    "two backend timeouts",
                    () -> System.nanoTime() - startedNanos > 2 * BACKEND_TIMEOUT.toNanos());
            assertTrue(replies.stream().allMatch(RunawayScriptIT::redisAnswer), "no loss: " + distinct(replies));

            // The script's own client queues behind its script, as on a direct connection: not answered BUSY.
            spinning.send(RawClient.command("INCR", "own"));
            assertEquals("+OK\r\n", client().call("SCRIPT", "KILL"));
            String killed = spinning.readReply();
            assertTrue(killed.startsWith("-") && killed.contains("SCRIPT KILL"), killed);
            assertEquals(":1\r\n", spinning.readReply());

            int seen = replies.size();
            Poll.until(
                    Duration.ofSeconds(10),
                    "the pipelining client served again",
                    () -> replies.size() > seen + 16
                            && replies.get(replies.size() - 1).startsWith(":"));
        } finally {
            stop.set(true);
            pipeliner.join(30_000);
        }
        assertTrue(replies.stream().allMatch(RunawayScriptIT::redisAnswer), "no loss: " + distinct(replies));
        long executed = replies.stream().filter(r -> r.startsWith(":")).count();
        try (RawClient direct = RawClient.connect(master.port())) {
            String value = Long.toString(executed);
            assertEquals(
                    "$" + value.length() + "\r\n" + value + "\r\n",
                    direct.call("GET", "counter"),
                    "every INCR answered ran, once");
        }
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aRunawayFunctionIsKilledThroughTheProxy(String server) throws Exception {
        startGroup(server);
        RawClient admin = client();
        assertTrue(admin.call(
                        "FUNCTION",
                        "LOAD",
                        "#!lua name=spinlib\nredis.register_function('spin', function() " + SPIN + " end)")
                .startsWith("$"));
        RawClient spinning = client();
        spinning.send(RawClient.command("FCALL", "spin", "0"));
        assertTrue(awaitBusyAnswer().contains("FUNCTION KILL"));
        assertEquals("+OK\r\n", admin.call("FUNCTION", "KILL"));
        assertTrue(spinning.readReply().contains("killed"));
        assertEquals("$-1\r\n", client().call("GET", "k"));
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aKillWithNothingRunningIsAnsweredAsRedisAnswersIt(String server) throws Exception {
        startGroup(server);
        try (RawClient direct = RawClient.connect(master.port())) {
            assertEquals(direct.call("SCRIPT", "KILL"), client().call("SCRIPT", "KILL"));
            assertEquals(direct.call("FUNCTION", "KILL"), client().call("FUNCTION", "KILL"));
        }
    }

    /**
     * Scripts take a connection of their own, yet a client's requests keep their order around its scripts: pipelined
     * INCRs by script and by command, each reply one more than the one before.
     */
    @ParameterizedTest
    @MethodSource("servers")
    void aClientsRequestsKeepTheirOrderAroundItsScripts(String server) throws Exception {
        startGroup(server);
        RawClient client = client();
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            pipeline.append(
                    i % 3 == 0
                            ? RawClient.command("EVAL", "return redis.call('INCR', KEYS[1])", "1", "ordered")
                            : RawClient.command("INCR", "ordered"));
        }
        client.send(pipeline.toString());
        for (int i = 1; i <= 300; i++) {
            assertEquals(":" + i + "\r\n", client.readReply());
        }
    }

    /**
     * A script started by a client of the node's own: the proxy's connection opened meanwhile is refused by the busy
     * node (SELECT is not run while a script runs). What waited on it gets the node's own BUSY error, not an
     * "unreachable" one, and the node is not counted as down: once the script is killed, requests go through.
     */
    @ParameterizedTest
    @MethodSource("servers")
    void aConnectionOpenedWhileTheNodeIsBusyGivesRedisBusyError(String server) throws Exception {
        startGroup(server);
        RawClient spinning = new RawClient(master.port(), 15_000);
        opened.add(0, spinning);
        spinning.send(RawClient.command("EVAL", SPIN, "0"));
        try (RawClient direct = RawClient.connect(master.port())) {
            Poll.until(Duration.ofSeconds(10), "the node answering BUSY", () -> {
                try {
                    return direct.call("PING").startsWith("-BUSY");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        RawClient client = client();
        assertEquals("+OK\r\n", client.call("SELECT", "1"));
        String answer = client.call("GET", "k");
        assertTrue(answer.startsWith("-BUSY"), answer);
        assertEquals("+OK\r\n", client().call("SCRIPT", "KILL"));
        assertTrue(spinning.readReply().contains("killed"));
        assertEquals("$-1\r\n", client.call("GET", "k"));
    }

    /** A script that has written cannot be stopped: Redis' UNKILLABLE reaches the client, nothing is lost. */
    @ParameterizedTest
    @MethodSource("servers")
    void aScriptThatHasWrittenIsUnkillableAsWithRedis(String server) throws Exception {
        startGroup(server);
        RawClient spinning = client();
        spinning.send(RawClient.command("EVAL", "redis.call('SET', 'written', '1') " + SPIN, "0"));
        awaitBusyAnswer();
        String answer = client().call("SCRIPT", "KILL");
        assertTrue(answer.startsWith("-UNKILLABLE"), answer);
        try (RawClient direct = RawClient.connect(master.port())) {
            direct.send(RawClient.command("SHUTDOWN", "NOSAVE")); // the operator's way out, as with Redis alone
        }
    }

    /**
     * Asks through new clients until one is answered BUSY, and returns that answer: a request sent before the proxy
     * learns that the node is busy may wait behind the script (on the connection the script runs on), so each try
     * waits half a second at most and leaves its GET behind.
     */
    private String awaitBusyAnswer() {
        String[] answer = new String[1];
        Poll.until(Duration.ofSeconds(15), "a BUSY answer through the proxy", () -> {
            try (RawClient probe = new RawClient(proxy.port(), 500)) {
                answer[0] = probe.call("GET", "k");
                return answer[0].startsWith("-BUSY");
            } catch (IOException timedOut) {
                return false;
            }
        });
        return answer[0];
    }

    /** Pipelines INCRs, eight at a time, until told to stop; every reply is recorded. */
    private void pipeline(List<String> replies, AtomicBoolean stop) {
        String batch = RawClient.command("INCR", "counter").repeat(8);
        try (RawClient client = new RawClient(proxy.port(), 30_000)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!stop.get() && System.nanoTime() < deadline) {
                client.send(batch);
                for (int i = 0; i < 8; i++) {
                    replies.add(client.readReply());
                }
            }
        } catch (IOException e) {
            replies.add("-IO " + e);
        }
    }

    /** A number (the INCR ran) or Redis' BUSY (it did not): never a loss or a proxy's error. */
    private static boolean redisAnswer(String reply) {
        return reply.startsWith(":") || reply.startsWith("-BUSY");
    }

    private static List<String> distinct(List<String> replies) {
        return replies.stream()
                .map(r -> r.startsWith(":") ? ":n" : r)
                .distinct()
                .toList();
    }
}
