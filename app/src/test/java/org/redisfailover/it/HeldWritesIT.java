package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.FreePort;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Writes a proxy following ZooKeeper must not send, or not yet: it holds them (clients see a pause) and sends
 * them once the topology gives it a master it may write to, or refuses them with a definite error when the hold
 * ends. The topology is written by the test here, no monitor runs.
 */
@ExtendWith(RedisGroup.class)
class HeldWritesIT {

    private FailoverFixture fixture;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        fixture = FailoverFixture.onOwnZooKeeper(group);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private void publish(Topology topology) throws Exception {
        String path = FailoverFixture.LAYOUT.topology();
        if (fixture.admin.checkExists().forPath(path) == null) {
            fixture.admin.create().creatingParentsIfNeeded().forPath(path, TopologyJson.encode(topology));
        } else {
            fixture.admin.setData().forPath(path, TopologyJson.encode(topology));
        }
    }

    private ProxyServer proxyAt(long epoch) throws Exception {
        ProxyServer proxy = fixture.startProxy("p1");
        Poll.until(
                Duration.ofSeconds(10),
                "the proxy to apply epoch " + epoch,
                () -> proxy.topology().current().epoch() == epoch);
        return proxy;
    }

    /** A SET as the connection's first and only request (no client library handshake ahead of it), answered later. */
    private static CompletableFuture<String> setAsync(ProxyServer proxy, String key) {
        return CompletableFuture.supplyAsync(() -> {
            try (RawClient client = new RawClient(proxy.boundAddress().port(), 15_000)) {
                client.send(RawClient.command("SET", key, "1"));
                return client.readReply();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static NodeIdentity identityOf(RedisProcess node) {
        try (Jedis jedis = node.client()) {
            String info = jedis.info("server") + jedis.info("replication");
            return new NodeIdentity(field(info, "run_id"), field(info, "master_replid"));
        }
    }

    private static String field(String info, String name) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new IllegalStateException(name + " not in INFO");
    }

    @Test
    void aWriteWaitingForAConnectionThatCannotBeMadeIsHeldForTheNextMaster(RedisGroup group) throws Exception {
        NodeAddress nobody = new NodeAddress("127.0.0.1", FreePort.next());
        publish(new Topology(1, nobody, List.of()));
        ProxyServer proxy = proxyAt(1);
        CompletableFuture<String> write = setAsync(proxy, "held:unsent");
        // It waited for the first connection to the master, which was refused: never sent, so held, not failed.
        Poll.until(
                Duration.ofSeconds(5),
                "the write to be held",
                () -> proxy.metrics().heldRequests.getCount() == 1);
        long heldBefore = proxy.metrics().heldDuration.count();
        publish(new Topology(2, group.master().address(), List.of()));
        assertEquals("+OK\r\n", write.get(10, TimeUnit.SECONDS));
        try (Jedis master = group.master().client()) {
            assertEquals("1", master.get("held:unsent"));
        }
        assertEquals(heldBefore + 1, proxy.metrics().heldDuration.count(), "its hold, timed once it was released");
    }

    @Test
    void aMasterThatIsNotTheProcessTheTopologyNamesGetsNoWrites(RedisGroup group) throws Exception {
        NodeIdentity real = identityOf(group.master());
        // As after a restart without data: the address answers, but as another process.
        publish(Topology.serving(
                1, group.master().address(), new NodeIdentity("0".repeat(40), real.replid()), List.of()));
        ProxyServer proxy = proxyAt(1);
        CompletableFuture<String> write = setAsync(proxy, "held:identity");
        Poll.until(
                Duration.ofSeconds(5),
                "the write to be held",
                () -> proxy.metrics().heldRequests.getCount() == 1);
        try (Jedis master = group.master().client()) {
            assertEquals(null, master.get("held:identity"), "nothing was written to it");
        }
        publish(Topology.serving(2, group.master().address(), real, List.of()));
        assertEquals("+OK\r\n", write.get(10, TimeUnit.SECONDS));
    }

    @Test
    void writesStopWhileNoReplicaAcknowledgesTheMastersReplication(RedisGroup group) throws Exception {
        List<NodeAddress> replicas =
                group.replicas().stream().map(RedisProcess::address).toList();
        publish(Topology.serving(1, group.master().address(), identityOf(group.master()), replicas));
        ProxyServer proxy = proxyAt(1);
        try (Jedis client = new Jedis("127.0.0.1", proxy.boundAddress().port(), 15_000)) {
            assertEquals("OK", client.set("guard:before", "1"));
            group.replicas().forEach(RedisProcess::pause);
            try {
                // Within the guard (0.9 s) the master may still take writes; after it, they are held, then refused for
                // good.
                long cutAt = System.nanoTime();
                JedisDataException refused = assertThrows(JedisDataException.class, () -> {
                    for (int i = 0; i < 200_000; i++) { // bounded: at loopback speed this is well past the guard
                        client.set("guard:during:" + i, "1");
                    }
                });
                assertTrue(refused.getMessage().startsWith("NOREPLICAS"), refused.getMessage());
                assertTrue(
                        System.nanoTime() - cutAt < TimeUnit.SECONDS.toNanos(10),
                        "refused within the guard and the hold timeout");
            } finally {
                group.replicas().forEach(RedisProcess::resume);
            }
            Poll.until(Duration.ofSeconds(10), "writes to flow again once a replica acknowledges", () -> {
                try {
                    return "OK".equals(client.set("guard:after", "1"));
                } catch (JedisDataException e) {
                    return false;
                }
            });
        }
    }

    @Test
    void aTopologyThatGoesBackInEpochIsNotFollowedAndFencesTheProxy(RedisGroup group) throws Exception {
        publish(new Topology(5, group.master().address(), List.of()));
        ProxyServer proxy = proxyAt(5);
        Poll.until(
                Duration.ofSeconds(5),
                "the proxy to write",
                () -> proxy.topology().writableMaster() != null);
        // The znode re-created by hand, or a ZooKeeper that lost its data: epoch 1 names another master.
        fixture.admin.delete().forPath(FailoverFixture.LAYOUT.topology());
        publish(new Topology(1, group.replicas().get(0).address(), List.of()));
        Poll.until(
                Duration.ofSeconds(10),
                "the proxy to fence itself rather than follow epochs backwards",
                () -> proxy.topology().writableMaster() == null);
        assertEquals(5, proxy.topology().current().epoch(), "epoch 1 was never installed");
        publish(new Topology(6, group.master().address(), List.of()));
        Poll.until(
                Duration.ofSeconds(10),
                "a monitor's re-seeding above the old epochs to lift the fence",
                () -> group.master().address().equals(proxy.topology().writableMaster()));
    }
}
