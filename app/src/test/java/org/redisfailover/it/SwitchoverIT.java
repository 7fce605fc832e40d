package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.app.RedisFailoverMain;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * {@code switchover} end to end: two monitors, two proxies, pipelined writers through both (so writes
 * are in flight on the master when the switch begins), and the command run as a user runs it.
 */
@ExtendWith(RedisGroup.class)
class SwitchoverIT {

    private static final int BATCH = 50;

    private FailoverFixture fixture;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        fixture = FailoverFixture.onOwnZooKeeper(group);
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private record Run(int exitCode, String output) {}

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(new RedisFailoverMain());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(out));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString());
    }

    private Run switchover(String... extra) {
        List<String> args = new ArrayList<>(
                List.of("switchover", "--zk", fixture.connectString(), "--zk-path", FailoverFixture.LAYOUT.root()));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    /** What one pipelined writer saw: writes acknowledged (keys 0..acked-1), error replies, dropped connections. */
    private record Writer(String prefix, int acked, int errors, int dropped) {}

    private static Writer write(int port, String prefix, AtomicBoolean stop, AtomicInteger ackedTotal) {
        int acked = 0;
        int errors = 0;
        int dropped = 0;
        try (Jedis jedis = new Jedis("127.0.0.1", port, 30_000)) {
            for (int batch = 0; !stop.get() && batch < 100_000; batch++) {
                Pipeline pipeline = jedis.pipelined();
                List<Response<String>> replies = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    int key = acked + i;
                    replies.add(pipeline.set(prefix + key, Integer.toString(key)));
                }
                try {
                    pipeline.sync();
                } catch (JedisConnectionException e) {
                    dropped++;
                    break;
                }
                for (Response<String> reply : replies) {
                    try {
                        assertEquals("OK", reply.get());
                        acked++;
                        ackedTotal.incrementAndGet();
                    } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                        errors++;
                    }
                }
                if (errors > 0) {
                    break; // keys would no longer be contiguous; the assertion below reports it
                }
            }
        }
        return new Writer(prefix, acked, errors, dropped);
    }

    @Test
    void switchoverUnderPipelinedLoadLosesNothingFailsNothingAndDropsNoClient(RedisGroup group) throws Exception {
        fixture.startProxy("p1");
        fixture.startProxy("p2");
        NodeAddress oldMaster = group.master().address();
        NodeAddress target = group.replicas().get(1).address();
        long epochBefore = fixture.topology().epoch();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ackedTotal = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Writer>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int port = fixture.proxies.get(w % 2).boundAddress().port();
            String prefix = "switch:" + w + ":";
            writers.add(pool.submit(() -> write(port, prefix, stop, ackedTotal)));
        }
        Run result;
        try {
            Poll.until(Duration.ofSeconds(10), "writes to flow", () -> ackedTotal.get() > 2_000);
            result = switchover("--to", target.toString());
            int ackedAtSwitch = ackedTotal.get();
            Poll.until(
                    Duration.ofSeconds(10),
                    "writes to flow to the new master",
                    () -> ackedTotal.get() > ackedAtSwitch + 2_000);
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("switchover done: " + oldMaster + " -> " + target), result.output());
        Topology after = fixture.topology();
        assertEquals(target, after.master());

        try (Jedis newMaster = new Jedis(target.host(), target.port(), 5_000)) {
            assertEquals("master", newMaster.role().get(0));
            for (Future<Writer> future : writers) {
                Writer writer = future.get(60, TimeUnit.SECONDS);
                assertEquals(0, writer.errors(), "no write fails: " + writer);
                assertEquals(0, writer.dropped(), "no client connection drops: " + writer);
                Pipeline check = newMaster.pipelined();
                List<Response<String>> values = new ArrayList<>();
                for (int key = 0; key < writer.acked(); key++) {
                    values.add(check.get(writer.prefix() + key));
                }
                check.sync();
                int lost = 0;
                for (int key = 0; key < writer.acked(); key++) {
                    lost += Integer.toString(key).equals(values.get(key).get()) ? 0 : 1;
                }
                assertEquals(0, lost, "acknowledged writes missing on the new master, of " + writer.acked());
            }
        }
        Poll.until(Duration.ofSeconds(20), "the old master to rejoin as a replica of the new one", () -> {
            try {
                return fixture.topology().replicas().contains(oldMaster);
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode status = new ObjectMapper()
                .readTree(run(
                                "status",
                                "--zk",
                                fixture.connectString(),
                                "--zk-path",
                                FailoverFixture.LAYOUT.root(),
                                "--json")
                        .output());
        JsonNode event = status.path("events").get(status.path("events").size() - 1);
        assertEquals("switchover", event.path("kind").asText(), status.toPrettyString());
        assertEquals("done", event.path("outcome").asText());
        assertEquals(target.toString(), event.path("to").asText());
        assertEquals(
                epochBefore + 2, event.path("epoch").asLong(), "two-phase: the switchover epoch, then the new master");
        assertTrue(event.path("totalMs").asLong() >= event.path("proxiesMs").asLong(), event.toString());
    }

    @Test
    void switchoverThatCannotBeDoneIsRefusedAndChangesNothing(RedisGroup group) throws Exception {
        fixture.startProxy("p1");
        long epochBefore = fixture.topology().epoch();

        Run toMaster = switchover("--to", group.master().address().toString());
        assertEquals(1, toMaster.exitCode(), toMaster.output());
        assertTrue(
                toMaster.output().contains("switchover refused")
                        && toMaster.output().contains("is the master already"),
                toMaster.output());

        Run toStranger = switchover("--to", "127.0.0.1:1");
        assertEquals(1, toStranger.exitCode(), toStranger.output());
        assertTrue(toStranger.output().contains("is not a replica in the topology"), toStranger.output());

        group.replicas().get(0).pause(); // unreachable: it cannot be caught up, so it is refused up front
        try {
            Poll.until(Duration.ofSeconds(10), "a monitor probe of the paused replica to fail", () -> {
                Run paused =
                        switchover("--to", group.replicas().get(0).address().toString(), "--timeout-ms", "5000");
                return paused.exitCode() == 1 && paused.output().contains("unreachable");
            });
        } finally {
            group.replicas().get(0).resume();
        }
        assertEquals(epochBefore, fixture.topology().epoch(), "a refused switchover writes no topology");
        try (Jedis client =
                new Jedis("127.0.0.1", fixture.proxies.get(0).boundAddress().port(), 5_000)) {
            assertEquals("OK", client.set("refused:after", "1"), "the old master still takes writes");
        }
    }
}
