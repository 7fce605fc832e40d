package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.topology.ProxyRegistration;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.ZooKeeperTestClient;
import picocli.CommandLine;

/**
 * Every proxy and monitor of a group must run safe mode with the same N: a proxy refuses to start against a group
 * whose live members run with another (naming them), starts anyway for a rolling change with
 * --allow-min-replica-acks-change, and status shows the mismatch meanwhile.
 */
@ExtendWith(RedisGroup.class)
class ReplicaAcksAgreementIT {

    private static final ZkLayout LAYOUT = new ZkLayout("/agreement");

    @Test
    void aProxyWithAnotherNRefusesToJoinUnlessTheChangeIsRolling(RedisGroup group) throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
                CuratorFramework admin =
                        ZooKeeperTestClient.connect(zooKeeper.getConnectString(), Duration.ofSeconds(10))) {
            // A proxy of the group, live, in the default (asynchronous) mode.
            admin.create()
                    .creatingParentsIfNeeded()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(
                            LAYOUT.proxy("10.0.0.9:7379"),
                            new ProxyRegistration("10.0.0.9:7379", 1, false, 3_000L, 0).encode());
            ProxyCommand command = new ProxyCommand();
            new CommandLine(command)
                    .parseArgs(
                            "--listen",
                            "127.0.0.1:0",
                            "--zk",
                            zooKeeper.getConnectString(),
                            "--zk-path",
                            LAYOUT.root(),
                            "--master",
                            group.master().address().toString(),
                            "--min-replica-acks",
                            "1");
            ProxyConfig config = command.buildConfig();
            try (ProxyServer server = new ProxyServer(config).start()) {
                IllegalArgumentException refused = assertThrows(
                        IllegalArgumentException.class,
                        () -> ZooKeeperFollowing.start(config, server, List.of(), new MonitorOptions(), ZkAccess.OPEN));
                assertTrue(
                        refused.getMessage().contains("min-replica-acks is 1 here, but proxy 10.0.0.9:7379 (0)")
                                && refused.getMessage().contains("--allow-min-replica-acks-change"),
                        refused.getMessage());
                MonitorOptions rolling = new MonitorOptions();
                rolling.allowMinReplicaAcksChange = true;
                ZooKeeperFollowing.Running following =
                        ZooKeeperFollowing.start(config, server, List.of(), rolling, ZkAccess.OPEN);
                try {
                    ObjectNode status = awaitBothRegistered(admin);
                    assertTrue(
                            status.path("minReplicaAcksMismatch").asText().contains("0 on [proxy 10.0.0.9:7379]"),
                            status.toString());
                    assertTrue(StatusCommand.text(status).contains("SAFE MODE MISMATCH"));
                } finally {
                    following.stop().run();
                }
            }
        }
    }

    private static ObjectNode awaitBothRegistered(CuratorFramework admin) {
        ObjectNode[] status = new ObjectNode[1];
        Poll.until(Duration.ofSeconds(10), "both proxies registered", () -> {
            try {
                status[0] = StatusCommand.collect(admin, LAYOUT, 0, NodeAccess.PLAIN);
                return status[0].path("proxies").size() == 2;
            } catch (Exception e) {
                return false;
            }
        });
        return status[0];
    }
}
