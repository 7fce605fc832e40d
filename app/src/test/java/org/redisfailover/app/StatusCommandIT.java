package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(new RedisFailoverMain());
        commandLine.setOut(new PrintWriter(out));
        assertEquals(0, commandLine.execute(args), out::toString);
        return out.toString();
    }

    @Test
    void showsTopologyRolesLagMonitorsAndProxies(RedisGroup group) throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
             CuratorFramework admin = CuratorFrameworkFactory.newClient(zooKeeper.getConnectString(), new RetryOneTime(100))) {
            admin.start();
            Topology topology = new Topology(4, group.master().address(), group.replicas().stream().map(RedisProcess::address).toList());
            admin.create().creatingParentsIfNeeded().forPath("/s/topology", TopologyJson.encode(topology));
            admin.create().creatingParentsIfNeeded().forPath("/s/proxies/p1",
                    "{\"address\":\"127.0.0.1:7379\",\"epoch\":4,\"fenced\":false}".getBytes(StandardCharsets.UTF_8));
            admin.create().creatingParentsIfNeeded().forPath("/s/monitors/m1", "{\"id\":\"m1\",\"down\":[]}".getBytes(StandardCharsets.UTF_8));
            admin.create().forPath("/s/sync-set", SyncSet.of(group.master().address(), topology.replicas()).encode());

            JsonNode status = new ObjectMapper().readTree(run("status", "--zk", zooKeeper.getConnectString(), "-p", "/s", "--json"));
            assertEquals(4, status.path("topology").path("epoch").asLong());
            assertEquals(group.master().address().toString(), status.path("topology").path("master").asText());
            assertEquals(3, status.path("nodes").size());
            assertEquals("master", status.path("nodes").get(0).path("role").asText());
            assertEquals("slave", status.path("nodes").get(1).path("role").asText());
            assertTrue(status.path("nodes").get(1).has("lagBytes"));
            assertEquals(4, status.path("proxies").get(0).path("epoch").asLong());
            assertEquals("m1", status.path("monitors").get(0).path("id").asText());

            String text = run("status", "--zk", zooKeeper.getConnectString(), "-p", "/s");
            assertTrue(text.startsWith("topology /s  epoch 4  serving  master " + group.master().address()), text);
            assertTrue(text.contains("applied epoch 4"), text);
            assertTrue(text.contains("safe mode: replicas that may have acknowledged writes of " + group.master().address() + ": [\""
                    + group.replicas().get(0).address()), text);
            assertEquals(2, status.path("syncSet").path("members").size());
        }
    }
}
