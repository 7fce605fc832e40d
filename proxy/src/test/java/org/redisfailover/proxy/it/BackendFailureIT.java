package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * A backend dies or stalls while clients pipeline through the proxy: every request gets exactly one
 * outcome, in order, and no reply ever reaches the wrong request or the wrong client.
 */
@ExtendWith(RedisGroup.class)
class BackendFailureIT {

    private static final int CLIENTS = 8;
    private static final int KEYS = 500;

    @AfterEach
    void heal(RedisGroup group) {
        group.heal();
    }

    private static void seedKeys(RedisGroup group) {
        try (Jedis master = group.master().client()) {
            Pipeline pipeline = master.pipelined();
            for (int c = 0; c < CLIENTS; c++) {
                for (int i = 0; i < KEYS; i++) {
                    pipeline.set("fail:" + c + ":" + i, c + ":" + i);
                }
            }
            pipeline.sync();
        }
    }

    /** What one client saw: replies matched to requests, and errors. */
    private record Outcome(int requests, int answered, int errors) {}

    /**
     * Pipelines batches of GETs (and, for writers, a SET per batch) until told to stop, checking each
     * reply against the request it answers.
     */
    private static Outcome pipelineUntilStopped(
            int port, int client, boolean writer, AtomicBoolean stop, AtomicInteger errorsSeen) throws Exception {
        int requests = 0;
        int values = 0;
        int errors = 0;
        try (RawClient raw = new RawClient(port, 10_000)) {
            while (!stop.get()) {
                StringBuilder batch = new StringBuilder();
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int key = (requests + i) % KEYS;
                    batch.append(RawClient.command("GET", "fail:" + client + ":" + key));
                    expected.add(client + ":" + key);
                }
                if (writer) {
                    batch.append(RawClient.command("SET", "fail:w:" + client, Integer.toString(requests)));
                    expected.add("+OK");
                }
                raw.send(batch.toString());
                requests += expected.size();
                for (String want : expected) {
                    String reply = raw.readReply();
                    assertTrue(
                            reply != null,
                            "client " + client + ": the proxy never closes a client because a backend died");
                    if (reply.startsWith("-")) {
                        // A SET in flight at the kill may have run: it says so, with its own code; anything else failed
                        // outright.
                        String prefix = want.equals("+OK") && reply.startsWith("-UNCERTAIN")
                                ? "-UNCERTAIN redis-failover: "
                                : "-ERR redis-failover: ";
                        assertTrue(reply.startsWith(prefix), "proxy error, got " + reply);
                        errors++;
                        errorsSeen.incrementAndGet();
                    } else if (want.equals("+OK")) {
                        assertEquals("+OK\r\n", reply, "client " + client + ": a SET's reply");
                        values++;
                    } else {
                        String value = "$" + want.length() + "\r\n" + want + "\r\n";
                        assertEquals(value, reply, "client " + client + ": reply for the matching GET");
                        values++;
                    }
                }
            }
        }
        return new Outcome(requests, values, errors);
    }

    @Test
    void masterKilledMidPipelineGivesEveryRequestOneOutcomeInOrder(RedisGroup group) throws Exception {
        seedKeys(group);
        try (RunningProxy proxy = RunningProxy.start(group)) {
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger errorsSeen = new AtomicInteger();
            try {
                List<Future<Outcome>> outcomes = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    boolean writer = c % 2 == 1;
                    outcomes.add(
                            pool.submit(() -> pipelineUntilStopped(proxy.port(), client, writer, stop, errorsSeen)));
                }
                Poll.until(
                        Duration.ofSeconds(10),
                        "traffic to flow",
                        () -> group.master().calls("get") > 5_000);
                group.master().kill();
                // Keep the load on until clients have met the outage, so requests hit both the dying connection and the
                // backoff.
                Poll.until(Duration.ofSeconds(10), "clients to see the outage", () -> errorsSeen.get() >= 100);
                stop.set(true);
                int errors = 0;
                for (int c = 0; c < CLIENTS; c++) {
                    Outcome outcome = outcomes.get(c).get(60, TimeUnit.SECONDS);
                    assertEquals(
                            outcome.requests(),
                            outcome.answered() + outcome.errors(),
                            "every request answered exactly once");
                    errors += outcome.errors();
                }
                assertTrue(errors > 0, "requests during the outage were answered with errors");
            } finally {
                stop.set(true);
                pool.shutdownNow();
            }
            group.heal();
            seedKeys(group);
            try (Jedis jedis = proxy.client()) {
                Poll.until(
                        Duration.ofSeconds(15),
                        "the proxy to reconnect to the restarted master",
                        () -> "0:1".equals(jedis.get("fail:0:1")));
            }
        }
    }

    @Test
    void stalledMasterTimesOutRequestsAndRecoversWhenResumed(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.backendTimeout(Duration.ofMillis(500)))) {
            try (RawClient reader = new RawClient(proxy.port(), 10_000);
                    RawClient writer = new RawClient(proxy.port(), 10_000)) {
                reader.send(RawClient.command("SET", "stall:k", "v"));
                assertEquals("+OK\r\n", reader.readReply());
                group.master().pause();
                try {
                    long started = System.nanoTime();
                    reader.send(RawClient.command("GET", "stall:k"));
                    writer.send(RawClient.command("SET", "stall:k", "w"));
                    String readReply = reader.readReply();
                    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    assertTrue(
                            readReply.startsWith("-ERR redis-failover: connection to "
                                    + group.master().address() + " lost before the reply"),
                            readReply);
                    assertTrue(
                            waitedMillis >= 400 && waitedMillis < 5_000,
                            "failed after the backend timeout, waited " + waitedMillis);
                    // The write may have executed: it is answered as such, never with a made-up definite result,
                    // and the client connection stays open.
                    assertEquals(
                            "-UNCERTAIN redis-failover: connection to "
                                    + group.master().address() + " lost before the reply (no reply "
                                    + "for 500 ms); the command may or may not have been applied\r\n",
                            writer.readReply());
                } finally {
                    group.master().resume();
                }
                Poll.until(Duration.ofSeconds(10), "the proxy to reconnect after the stall", () -> {
                    try {
                        reader.send(RawClient.command("GET", "stall:k"));
                        String reply = reader.readReply();
                        return reply != null && reply.startsWith("$");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // The writer's connection survived: it gets answers (an I/O thread's own backend connection may
                // still be backing off), and then +OK.
                Poll.until(Duration.ofSeconds(10), "the writer's connection to write again", () -> {
                    try {
                        writer.send(RawClient.command("SET", "stall:k", "x"));
                        String reply = writer.readReply();
                        assertTrue(reply != null, "the writer's connection was closed");
                        return reply.equals("+OK\r\n");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /**
     * A node frozen before the proxy first connects to it: the kernel accepts the connection, but the handshake is
     * never answered. The requests waiting for it fail at the backend timeout, as those sent on a ready connection
     * do; they used to wait forever (the timeout only counted requests already sent).
     */
    @Test
    void aHandshakeThatIsNeverAnsweredTimesOut(RedisGroup group) throws Exception {
        RedisProcess replica = group.replicas().get(0);
        replica.pause();
        try (RunningProxy proxy = RunningProxy.start(
                        group.master(),
                        List.of(replica),
                        c -> c.backendTimeout(Duration.ofMillis(500)).readPolicy(ReadPolicy.REPLICA));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            long sent = System.nanoTime();
            String answer = client.call("GET", "k");
            long tookMs = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(answer.startsWith("-ERR redis-failover: " + replica.address()), answer);
            assertTrue(tookMs < 5_000, "answered after " + tookMs + " ms");
        } finally {
            replica.resume();
        }
    }

    @Test
    void requestsToAnUnreachableMasterFailFastWithAClearError(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group)) {
            group.master().kill();
            try (RawClient client = new RawClient(proxy.port(), 10_000)) {
                Poll.until(Duration.ofSeconds(10), "an unreachable-master error", () -> {
                    try {
                        client.send(RawClient.command("GET", "k"));
                        String reply = client.readReply();
                        return reply.startsWith(
                                "-ERR redis-failover: " + group.master().address() + " is unreachable");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                client.send(RawClient.command("PING"));
                assertEquals("+PONG\r\n", client.readReply(), "the client connection survives");
            }
        }
    }
}
