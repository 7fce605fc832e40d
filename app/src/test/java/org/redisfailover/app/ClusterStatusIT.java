package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import picocli.CommandLine;

/** {@code status --cluster} against a real Redis Cluster: the shards, and a killed master's slots reported uncovered. */
class ClusterStatusIT {

    private static String run(int exitStatus, String... args) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine commandLine = RedisFailoverMain.commandLine(args);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(new StringWriter()));
        assertEquals(exitStatus, commandLine.execute(args), out::toString);
        return out.toString();
    }

    @Test
    void showsShardsAndReportsSlotsWithoutAMaster(@TempDir Path dir) throws Exception {
        try (RedisCluster cluster = RedisCluster.start(dir, 3, 0)) {
            String seeds = "127.0.0.1:1," + cluster.nodes().get(1).address(); // an unreachable seed first
            JsonNode status = new ObjectMapper().readTree(run(0, "status", "--cluster", seeds, "--json"));
            assertEquals(16384, status.path("slotsCovered").asInt());
            assertEquals(3, status.path("shards").size());
            String text = run(0, "status", "--cluster", seeds);
            assertTrue(text.contains("16384 of 16384 slots have a master"), text);

            RedisProcess victim = cluster.masterOf(0);
            victim.kill();
            String alive = cluster.nodes().stream()
                    .filter(RedisProcess::isAlive)
                    .findFirst()
                    .orElseThrow()
                    .address()
                    .toString();
            Poll.until(Duration.ofSeconds(20), "the cluster to mark the killed master failed", () -> {
                try {
                    return new ObjectMapper()
                                    .readTree(run(3, "status", "--cluster", alive, "--json"))
                                    .path("slotsCovered")
                                    .asInt()
                            < 16384;
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
        }
    }
}
