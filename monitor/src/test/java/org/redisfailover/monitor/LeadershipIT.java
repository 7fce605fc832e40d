package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** {@link Leadership#confirm} asks ZooKeeper, not a local flag: what a stale leader must not get past. */
class LeadershipIT {

    private static final String TOPOLOGY = "/leadership/topology";

    @Test
    void confirmPassesOnlyWhileThisSessionLeadsAtTheVersionTheStepHolds() throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
                CuratorFramework client = CuratorFrameworkFactory.newClient(
                        zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100));
                CuratorFramework other = CuratorFrameworkFactory.newClient(
                        zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100))) {
            client.start();
            other.start();
            client.create().creatingParentsIfNeeded().forPath(TOPOLOGY, new byte[] {'{', '}'});
            try (LeaderLatch latch = new LeaderLatch(client, "/leadership/leader", "m1")) {
                latch.start();
                assertTrue(latch.await(10, TimeUnit.SECONDS));
                Leadership leadership = new Leadership(client, latch, TOPOLOGY);
                leadership.confirm(0);

                other.setData().forPath(TOPOLOGY, new byte[] {'{', '}'}); // a successor moved the topology on
                Leadership.Lost moved = assertThrows(Leadership.Lost.class, () -> leadership.confirm(0));
                assertTrue(moved.getMessage().contains("topology changed"), moved.getMessage());
                leadership.confirm(1);

                // The session ends behind the leader's back (as it does for a leader frozen past its session timeout).
                KillSession.kill(client.getZookeeperClient().getZooKeeper());
                Exception lost = assertThrows(Exception.class, () -> leadership.confirm(1));
                assertTrue(
                        lost instanceof Leadership.Lost || lost instanceof org.apache.zookeeper.KeeperException,
                        lost.toString());
            }
        }
    }

    @Test
    void aMonitorThatNeverLedIsRefused() throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true);
                CuratorFramework client = CuratorFrameworkFactory.newClient(
                        zooKeeper.getConnectString(), 10_000, 2_000, new RetryOneTime(100))) {
            client.start();
            client.blockUntilConnected((int) Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
            LeaderLatch latch = new LeaderLatch(client, "/leadership/leader", "m1"); // never started: never leads
            Leadership leadership = new Leadership(client, latch, TOPOLOGY);
            assertThrows(Leadership.Lost.class, () -> leadership.confirm(-1));
        }
    }
}
