package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.topology.SyncSet;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import picocli.CommandLine;

/** {@code status} against a real ZooKeeper and real Redis nodes, as text and as JSON. */
@ExtendWith(RedisGroup.class)
class StatusCommandIT {

    private static String run(String... args) {
        return run(0, args);
    }

    /** Runs {@code args} as the command line would (with --config read), asserting the exit status; returns what it printed. */
    private static String run(int exitStatus, String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine;
        try {
            commandLine = RedisFailoverMain.commandLine(args);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        commandLine.setOut(new PrintWriter(out));
        assertEquals(exitStatus, commandLine.execute(args), out::toString);
        return out.toString();
    }

    @Test
    void showsTopologyRolesLagMonitorsAndProxies(RedisGroup group, @TempDir Path dir) throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
                CuratorFramework admin =
                        CuratorFrameworkFactory.newClient(zooKeeper.getConnectString(), new RetryOneTime(100))) {
            admin.start();
            Topology topology = new Topology(
                    4,
                    group.master().address(),
                    group.replicas().stream().map(RedisProcess::address).toList());
            admin.create().creatingParentsIfNeeded().forPath("/s/topology", TopologyJson.encode(topology));
            admin.create()
                    .creatingParentsIfNeeded()
                    .forPath(
                            "/s/proxies/p1",
                            "{\"address\":\"127.0.0.1:7379\",\"epoch\":4,\"fenced\":false}"
                                    .getBytes(StandardCharsets.UTF_8));
            admin.create()
                    .creatingParentsIfNeeded()
                    .forPath("/s/monitors/m1", "{\"id\":\"m1\",\"down\":[]}".getBytes(StandardCharsets.UTF_8));
            admin.create()
                    .forPath(
                            "/s/sync-set",
                            SyncSet.of(group.master().address(), topology.replicas())
                                    .encode());
            admin.create()
                    .creatingParentsIfNeeded()
                    .forPath("/s/leader/_c_1-latch-0000000000", "m1".getBytes(StandardCharsets.UTF_8));

            JsonNode status = new ObjectMapper()
                    .readTree(run("status", "--zk", zooKeeper.getConnectString(), "-p", "/s", "--json"));
            assertEquals(4, status.path("topology").path("epoch").asLong());
            assertEquals(
                    group.master().address().toString(),
                    status.path("topology").path("master").asText());
            assertEquals(3, status.path("nodes").size());
            assertEquals("master", status.path("nodes").get(0).path("role").asText());
            assertEquals("slave", status.path("nodes").get(1).path("role").asText());
            assertTrue(status.path("nodes").get(1).has("lagBytes"));
            assertEquals(4, status.path("proxies").get(0).path("epoch").asLong());
            assertEquals("m1", status.path("monitors").get(0).path("id").asText());

            String text = run("status", "--zk", zooKeeper.getConnectString(), "-p", "/s");
            assertTrue(
                    text.startsWith("topology /s  epoch 4  serving  master "
                            + group.master().address()),
                    text);
            assertTrue(text.contains("applied epoch 4"), text);
            assertTrue(
                    text.contains("safe mode: replicas that may have acknowledged writes of "
                            + group.master().address() + ": [\""
                            + group.replicas().get(0).address()),
                    text);
            assertEquals(2, status.path("syncSet").path("members").size());
            assertTrue(status.path("problems").isMissingNode(), "healthy: " + status);

            // The same from the proxy's configuration file, as on a host that runs one.
            Path config = dir.resolve("proxy.properties");
            Files.writeString(
                    config,
                    "listen = 127.0.0.1:7379\nzk = " + zooKeeper.getConnectString()
                            + "\nzk-path = /s\nread-policy = master\n");
            assertTrue(run("status", "--config", config.toString()).startsWith("topology /s  epoch 4"));

            // What a health check needs: a status other than 0 when the group cannot serve or fail over.
            admin.delete().forPath("/s/leader/_c_1-latch-0000000000");
            admin.setData()
                    .forPath(
                            "/s/proxies/p1",
                            "{\"address\":\"127.0.0.1:7379\",\"epoch\":4,\"fenced\":true}"
                                    .getBytes(StandardCharsets.UTF_8));
            JsonNode unhealthy = new ObjectMapper()
                    .readTree(run(StatusCommand.UNHEALTHY, "status", "--config", config.toString(), "--json"));
            assertEquals(
                    "[\"no monitor leads the group\",\"proxy 127.0.0.1:7379 is fenced\"]",
                    unhealthy.path("problems").toString());
            admin.setData().forPath("/s/topology", TopologyJson.encode(new Topology(5, null, topology.replicas())));
            assertTrue(run(StatusCommand.UNHEALTHY, "status", "--config", config.toString(), "--json")
                    .contains("no master at epoch 5"));
        }
    }
}
