package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.proxy.zk.ZkTopologyFollower;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * A proxy following the topology znode in a real (in-process) ZooKeeper, in front of real Redis:
 * switches without dropping clients, holds writes while there is no master, acknowledges epochs,
 * ignores stale and malformed topologies, and fences itself when ZooKeeper is gone.
 */
@ExtendWith(RedisGroup.class)
class ZooKeeperFollowingIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ZkLayout LAYOUT = new ZkLayout("/redis/test");

    private TestingServer zooKeeper;
    private CuratorFramework admin;
    private CuratorFramework proxyClient;
    private ProxyServer proxy;
    private ZkTopologyFollower follower;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zooKeeper = new TestingServer(true);
        admin = CuratorFrameworkFactory.newClient(zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100));
        admin.start();
        admin.blockUntilConnected(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopAll(RedisGroup group) throws Exception {
        if (follower != null) {
            follower.close();
        }
        if (proxyClient != null) {
            proxyClient.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        admin.close();
        zooKeeper.close();
        restoreReplication(group);
    }

    /** Points the group back at its original master after a test promoted a replica. */
    private static void restoreReplication(RedisGroup group) {
        for (RedisProcess replica : group.replicas()) {
            try (Jedis jedis = replica.client()) {
                jedis.replicaof("127.0.0.1", group.master().port());
            }
        }
        group.heal();
    }

    private void startProxy(Duration fenceTimeout) throws Exception {
        ZooKeeperSettings settings = new ZooKeeperSettings(
                zooKeeper.getConnectString(),
                LAYOUT,
                Duration.ofSeconds(10),
                fenceTimeout,
                ZooKeeperSettings.DEFAULT_REPLICATION_GUARD);
        ProxyConfig config = ProxyConfig.builder(new NodeAddress("127.0.0.1", 0), null, List.of())
                .zooKeeper(settings)
                .hold(Duration.ofSeconds(20), 10_000, 1 << 20)
                .build();
        proxy = new ProxyServer(config).start();
        proxyClient =
                CuratorFrameworkFactory.newClient(zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100));
        proxyClient.start();
        follower = new ZkTopologyFollower(
                proxyClient,
                settings,
                proxy.topology(),
                proxy::drainLoops,
                proxy.boundAddress().toString(),
                "proxy-1",
                0);
        follower.start(null);
    }

    private void publish(Topology topology) throws Exception {
        byte[] data = TopologyJson.encode(topology);
        if (admin.checkExists().forPath(LAYOUT.topology()) == null) {
            admin.create().creatingParentsIfNeeded().forPath(LAYOUT.topology(), data);
        } else {
            admin.setData().forPath(LAYOUT.topology(), data);
        }
    }

    private JsonNode registration() throws Exception {
        return MAPPER.readTree(new String(admin.getData().forPath(LAYOUT.proxy("proxy-1")), StandardCharsets.UTF_8));
    }

    private void awaitAcknowledged(long epoch) {
        Poll.until(Duration.ofSeconds(10), "the proxy to acknowledge epoch " + epoch, () -> {
            try {
                return registration().path("epoch").asLong() == epoch;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Waits until the proxy holds {@code count} requests, unsent, for a master. */
    private void awaitHeld(long count) {
        Poll.until(
                Duration.ofSeconds(10),
                count + " request(s) held by the proxy",
                () -> proxy.metrics().heldRequests.getCount() == count);
    }

    private Jedis client() {
        return new Jedis("127.0.0.1", proxy.boundAddress().port(), 30_000);
    }

    @Test
    void followsAMasterSwitchHoldingWritesAndKeepingTheClientConnection(RedisGroup group) throws Exception {
        NodeAddress a = group.master().address();
        NodeAddress b = group.replicas().get(0).address();
        NodeAddress c = group.replicas().get(1).address();
        publish(new Topology(1, a, List.of(b, c)));
        startProxy(Duration.ofSeconds(3));
        awaitAcknowledged(1);
        try (Jedis jedis = client()) {
            assertEquals("OK", jedis.set("zk:before", "on-a"));

            publish(new Topology(2, null, List.of(b, c)));
            awaitAcknowledged(2);
            CompletableFuture<String> heldWrite = CompletableFuture.supplyAsync(() -> jedis.set("zk:during", "held"));
            awaitHeld(1); // the write has reached the proxy: what follows checks what it did with it

            // The switch itself, as the monitor will do it: promote B, re-point C, publish B at a new epoch.
            try (Jedis promoted = group.replicas().get(0).client();
                    Jedis other = group.replicas().get(1).client()) {
                promoted.replicaofNoOne();
                other.replicaof(b.host(), b.port());
            }
            try (Jedis oldMaster = group.master().client()) {
                assertNull(oldMaster.get("zk:during"), "nothing written to the old master after epoch 2");
            }
            assertFalse(heldWrite.isDone(), "the write waits for a master instead of failing");
            publish(new Topology(3, b, List.of(c)));

            assertEquals("OK", heldWrite.get(20, TimeUnit.SECONDS));
            try (Jedis onB = group.replicas().get(0).client()) {
                assertEquals("held", onB.get("zk:during"), "the held write went to the new master");
            }
            assertEquals("OK", jedis.set("zk:after", "on-b"), "the same client connection keeps working");
            awaitAcknowledged(3);

            publish(new Topology(1, a, List.of(b, c)));
            admin.setData().forPath(LAYOUT.topology(), "{not json".getBytes(StandardCharsets.UTF_8));
            assertEquals("OK", jedis.set("zk:stale", "still-b"));
            try (Jedis onB = group.replicas().get(0).client()) {
                assertEquals("still-b", onB.get("zk:stale"), "stale and malformed topologies are ignored");
            }
            assertEquals(3, registration().path("epoch").asLong());
        }
    }

    @Test
    void fencesItselfWithoutZooKeeperAndResumesWhenItReturns(RedisGroup group) throws Exception {
        publish(new Topology(
                1,
                group.master().address(),
                group.replicas().stream().map(RedisProcess::address).toList()));
        startProxy(Duration.ofSeconds(1));
        awaitAcknowledged(1);
        try (Jedis jedis = client()) {
            assertEquals("OK", jedis.set("fence:before", "1"));
            zooKeeper.stop();
            Poll.until(
                    Duration.ofSeconds(10),
                    "the proxy to fence itself",
                    () -> proxy.topology().isFenced());
            CompletableFuture<String> fencedWrite = CompletableFuture.supplyAsync(() -> jedis.set("fence:during", "2"));
            awaitHeld(1);
            try (Jedis master = group.master().client()) {
                assertNull(master.get("fence:during"), "a fenced proxy writes nothing");
            }
            assertFalse(fencedWrite.isDone());
            zooKeeper.restart();
            assertEquals("OK", fencedWrite.get(30, TimeUnit.SECONDS));
            assertFalse(proxy.topology().isFenced());
            assertTrue(registration().path("fenced").isBoolean());
        }
    }

    /** Regression: a proxy cut off before its first confirmation held its writes but never reported itself fenced. */
    @Test
    void fencesItselfWhenZooKeeperIsGoneBeforeTheFirstConfirmation(RedisGroup group) throws Exception {
        publish(new Topology(
                1,
                group.master().address(),
                group.replicas().stream().map(RedisProcess::address).toList()));
        zooKeeper.stop();
        startProxy(Duration.ofSeconds(1));
        Poll.until(
                Duration.ofSeconds(10),
                "the never-confirmed proxy to fence itself",
                () -> proxy.topology().isFenced());
        assertNull(proxy.topology().writableMaster(), "a fenced proxy writes to no master");
        zooKeeper.restart();
        Poll.until(
                Duration.ofSeconds(30),
                "the fence to lift once ZooKeeper confirms",
                () -> !proxy.topology().isFenced());
        try (Jedis jedis = client()) {
            assertEquals("OK", jedis.set("fence:after-start", "1"));
        }
    }
}
