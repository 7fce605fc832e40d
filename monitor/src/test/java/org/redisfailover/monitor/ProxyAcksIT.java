package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.ProxyRegistration;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.testing.Poll;

/** How long the leader waits for proxies after a new epoch: for each, its acknowledgement, its leaving, or its own fence timeout. */
class ProxyAcksIT {

    private static final ZkLayout LAYOUT = new ZkLayout("/acks");

    private static void register(CuratorFramework client, String id, long epoch, Long fenceMs) throws Exception {
        client.create()
                .creatingParentsIfNeeded()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(LAYOUT.proxy(id), new ProxyRegistration("127.0.0.1:1", epoch, false, fenceMs, 0).encode());
    }

    private static ProxyAcks started(CuratorFramework client) {
        ProxyAcks acks = new ProxyAcks(client, LAYOUT, Duration.ofMillis(1_500));
        acks.start();
        Poll.until(Duration.ofSeconds(5), "the registrations cache to load", () -> acks.highestEpoch() >= 1);
        return acks;
    }

    @Test
    void aProxyThatNeverAcknowledgesIsWaitedForExactlyItsFenceTimeout() throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
                CuratorFramework client = CuratorFrameworkFactory.newClient(
                        zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100))) {
            client.start();
            register(client, "hung", 1, 1_000L);
            try (ProxyAcks acks = started(client)) {
                long writtenAt = System.nanoTime();
                ProxyAcks.Outcome outcome = acks.await(2, writtenAt, () -> {});
                assertEquals(List.of("hung"), outcome.waitedOut());
                // Its registration is alive: it must have stopped writing by itself, which its lease guarantees only
                // after 1 s.
                assertTrue(
                        outcome.waitedMillis() >= 1_000 + ProxyAcks.MARGIN.toMillis(),
                        "waited " + outcome.waitedMillis());
                assertTrue(
                        outcome.waitedMillis() < 1_000 + ProxyAcks.MARGIN.toMillis() + 500,
                        "waited " + outcome.waitedMillis());
            }
        }
    }

    @Test
    void acknowledgedOrDepartedProxiesEndTheWaitAtOnce() throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
                CuratorFramework client = CuratorFrameworkFactory.newClient(
                        zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100))) {
            client.start();
            register(client, "acks", 1, 5_000L);
            register(client, "leaves", 1, 5_000L);
            try (ProxyAcks acks = started(client)) {
                CompletableFuture.runAsync(() -> {
                    try {
                        Thread.sleep(200); // the proxies' own pace, simulated
                        client.setData()
                                .forPath(
                                        LAYOUT.proxy("acks"),
                                        new ProxyRegistration("127.0.0.1:1", 2, false, 5_000L, 0).encode());
                        client.delete().forPath(LAYOUT.proxy("leaves"));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                ProxyAcks.Outcome outcome = acks.await(2, System.nanoTime(), () -> {});
                assertEquals(List.of(), outcome.waitedOut());
                assertEquals(2, outcome.acknowledged().size());
                assertTrue(outcome.waitedMillis() < 2_000, "waited " + outcome.waitedMillis());
            }
        }
    }

    @Test
    void aRegistrationThatDoesNotSayItsFenceTimeoutIsWaitedForTheSessionTimeout() throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
                CuratorFramework client = CuratorFrameworkFactory.newClient(
                        zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100))) {
            client.start();
            register(client, "old", 1, null);
            try (ProxyAcks acks = started(client)) {
                ProxyAcks.Outcome outcome = acks.await(2, System.nanoTime(), () -> {});
                assertEquals(List.of("old"), outcome.waitedOut());
                assertTrue(outcome.waitedMillis() >= 1_500, "waited " + outcome.waitedMillis());
                assertTrue(client.blockUntilConnected(1, TimeUnit.SECONDS));
            }
        }
    }
}
