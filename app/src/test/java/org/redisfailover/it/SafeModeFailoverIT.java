package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.app.GroupMetrics;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;

/**
 * Safe mode's promotion rule with real monitors: with one acknowledgement required of two replicas, a
 * failover needs both replicas reachable (either may have been the only one to acknowledge the last
 * write); with one paused the group waits without a master, and says why (the event, and the
 * {@code failover_waiting} gauge), until it answers again.
 */
@ExtendWith(RedisGroup.class)
class SafeModeFailoverIT {

    private TestingServer zooKeeper;
    private FailoverFixture fixture;
    private AutoCloseable closeLater;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
    }

    @AfterEach
    void stop(RedisGroup group) throws Exception {
        group.replicas().forEach(RedisProcess::resume);
        if (closeLater != null) {
            closeLater.close();
        }
        fixture.close();
        zooKeeper.close();
    }

    @Test
    void aFailoverWaitsUntilEveryReplicaThatMayHoldTheLastAcknowledgedWriteAnswers(RedisGroup group) throws Exception {
        Monitor monitor = fixture.startSafeModeMonitor("m1", 1);
        fixture.startSafeModeMonitor("m2", 1);
        fixture.awaitSeeded();
        ProxyServer proxy = fixture.startProxy("p1");
        GroupMetrics.register(proxy.metrics(), fixture.admin, FailoverFixture.LAYOUT, monitor);
        AdminServer admin = AdminServer.start(new NodeAddress("127.0.0.1", 0), proxy.topology(), proxy.metrics(), null);
        closeLater = admin;
        assertEquals(0, PrometheusScrape.of(admin.port()).required("redis_failover_failover_waiting"));
        NodeAddress oldMaster = group.master().address();
        RedisProcess paused = group.replicas().get(1);
        paused.pause();
        group.master().kill();
        fixture.awaitEventDetail("safe mode (min-replica-acks 1)", Duration.ofSeconds(30));
        assertNull(
                fixture.topology().master(), "no master while a replica that may hold an acknowledged write is away");
        Poll.until(Duration.ofSeconds(10), "the scrape to say a failover waits", () -> waitingGauge(admin) == 1);
        paused.resume();
        fixture.awaitNewMaster(oldMaster, Duration.ofSeconds(30));
        Poll.until(
                Duration.ofSeconds(10), "the scrape to say no failover waits any more", () -> waitingGauge(admin) == 0);
    }

    private static double waitingGauge(AdminServer admin) {
        try {
            return PrometheusScrape.of(admin.port()).required("redis_failover_failover_waiting");
        } catch (Exception e) {
            return -1;
        }
    }
}
