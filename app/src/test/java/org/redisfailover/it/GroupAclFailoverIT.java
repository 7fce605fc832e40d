package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.topology.GroupConfig;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * An ACL user made through one proxy is the group's: recorded in ZooKeeper with its secret hashed, put back by the
 * monitor on a replica that restarted without it, there on the replica promoted when the master is killed (its
 * clients log in through the other proxy), and given to the old master when it returns. A user deleted through a
 * proxy is deleted from a node that was frozen meanwhile (it kept the user), once it answers again.
 */
@ExtendWith(RedisGroup.class)
class GroupAclFailoverIT {

    private TestingServer zooKeeper;
    private FailoverFixture fixture;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
    }

    @AfterEach
    void stop(RedisGroup group) throws Exception {
        fixture.close();
        zooKeeper.close();
        for (RedisProcess node : group.all()) {
            try (Jedis jedis = node.client()) {
                jedis.aclDelUser("app", "gone");
            }
        }
    }

    private static boolean hasUser(RedisProcess node, String user) {
        try (Jedis jedis = node.client()) {
            return jedis.aclList().stream().anyMatch(line -> line.startsWith("user " + user + " "));
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean logsIn(int port) {
        try (Jedis client = new Jedis("127.0.0.1", port, 5_000)) {
            client.auth("app", "app-secret");
            return "OK".equals(client.set("acl:after", "1"));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aUserMadeThroughOneProxySurvivesRestartsAndAKillDashNineFailover(RedisGroup group) throws Exception {
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        int p1 = fixture.startProxy("p1").boundAddress().port();
        int p2 = fixture.startProxy("p2").boundAddress().port();
        Poll.until(Duration.ofSeconds(10), "both proxies to know the master", () -> {
            try (Jedis a = new Jedis("127.0.0.1", p1, 5_000);
                    Jedis b = new Jedis("127.0.0.1", p2, 5_000)) {
                return "OK".equals(a.set("acl:ready", "1")) && "OK".equals(b.set("acl:ready", "1"));
            } catch (Exception e) {
                return false;
            }
        });

        RedisProcess replica = group.replicas().get(0);
        try (Jedis client = new Jedis("127.0.0.1", p1, 10_000)) {
            assertEquals("OK", client.aclSetUser("app", "on", ">app-secret", "~acl:*", "+@all"));
            assertEquals("OK", client.aclSetUser("gone", "on", "nopass"));
        }
        replica.pause(); // away (frozen) while "gone" is deleted: it keeps the user
        try (Jedis client = new Jedis("127.0.0.1", p1, 30_000)) {
            assertEquals(1, client.aclDelUser("gone"));
        } finally {
            replica.resume();
        }
        // The monitor may still be bringing a node to the record before the deletion (it applies each version to
        // every node): the node converges on the newest record (COMMANDS.md, "ACL users for the group").
        for (RedisProcess node : group.all()) {
            if (node != replica) {
                Poll.until(
                        Duration.ofSeconds(10),
                        "the deletion on " + node.address(),
                        () -> hasUser(node, "app") && !hasUser(node, "gone"));
            }
        }
        GroupConfig recorded = GroupConfig.decode(fixture.admin.getData().forPath(FailoverFixture.LAYOUT.config()));
        assertTrue(recorded.users().get("app").contains("#"), "kept hashed: " + recorded.users());
        assertFalse(
                new String(fixture.admin.getData().forPath(FailoverFixture.LAYOUT.config())).contains("app-secret"));
        assertTrue(recorded.deletedUsers().contains("gone"), "recorded: " + recorded);
        Poll.until(
                Duration.ofSeconds(20),
                "the monitor to delete the user from the replica that was away",
                () -> !hasUser(replica, "gone") && hasUser(replica, "app"));

        replica.kill();
        replica.restart(); // a new process, started from its command line: without the group's users
        Poll.until(
                Duration.ofSeconds(20),
                "the monitor to bring the restarted replica to the group's users",
                () -> hasUser(replica, "app"));

        NodeAddress oldMaster = group.master().address();
        group.master().kill();
        Topology after = fixture.awaitNewMaster(oldMaster, Duration.ofSeconds(20));
        Poll.until(
                Duration.ofSeconds(15),
                "the user to log in through the other proxy after the failover to " + after.master(),
                () -> logsIn(p2));

        group.master().restart();
        Poll.until(
                Duration.ofSeconds(20),
                "the returning old master to get the group's users",
                () -> hasUser(group.master(), "app"));
    }
}
