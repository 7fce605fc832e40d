package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;

/**
 * ACL SETUSER, DELUSER, LOAD and SAVE through the proxy reach every node of the group, as the client's own user
 * (Redis checks its permission on the master first, and its refusal is the answer), with the previous users put back
 * everywhere when a replica refuses; the proxy's own user is refused; ACL WHOAMI names the client's user. Run
 * against redis-server ({@link GroupAclIT}) and valkey-server ({@link GroupAclValkeyIT}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GroupAclCases {

    @TempDir
    static Path dir;

    private RedisProcess master;
    private List<RedisProcess> replicas;
    private RunningProxy proxy;

    /** The server the group runs: redis-server or valkey-server. */
    abstract String server();

    @BeforeAll
    void startGroup() {
        assumeTrue(RedisProcess.onPath(server()), server() + " is not installed (scripts/test installs it)");
        master = RedisProcess.start(server(), dir, null);
        replicas = List.of(RedisProcess.start(server(), dir, master), RedisProcess.start(server(), dir, master));
        replicas.forEach(replica -> replica.awaitReplicationFrom(master));
        proxy = RunningProxy.start(master, replicas, config -> config);
    }

    @AfterAll
    void stopGroup() {
        if (proxy == null) {
            return;
        }
        proxy.close();
        replicas.forEach(RedisProcess::close);
        master.close();
    }

    @AfterEach
    void deleteTestUsers() throws IOException {
        for (RedisProcess node : nodes()) {
            direct(node, "ACL", "DELUSER", "alice", "bob", "carol", "dave", "erin", "admin2");
        }
    }

    private List<RedisProcess> nodes() {
        List<RedisProcess> all = new ArrayList<>(replicas);
        all.add(0, master);
        return all;
    }

    private String direct(RedisProcess node, String... command) throws IOException {
        try (RawClient client = RawClient.connect(node.port())) {
            return client.call(command);
        }
    }

    private String proxied(String... command) throws IOException {
        try (RawClient client = RawClient.connect(proxy.port())) {
            return client.call(command);
        }
    }

    /** The user as each node lists it, or "none" where it does not exist. */
    private List<String> everywhere(String user) throws IOException {
        List<String> lines = new ArrayList<>();
        for (RedisProcess node : nodes()) {
            String list = direct(node, "ACL", "LIST");
            lines.add(list.lines()
                    .filter(line -> line.startsWith("user " + user + " "))
                    .findFirst()
                    .orElse("none"));
        }
        return lines;
    }

    /** The same user on every node: the same rules, in whatever order each node lists them. */
    private void assertSameOnEveryNode(String user) throws IOException {
        List<String> lines = everywhere(user);
        assertEquals(
                1,
                lines.stream()
                        .map(line -> List.of(line.split(" ")).stream().sorted().toList())
                        .distinct()
                        .count(),
                "one user on every node: " + lines);
    }

    @Test
    void aUserSetThroughTheProxyIsOnEveryNodeAndLogsInThroughIt() throws Exception {
        assertEquals("+OK\r\n", proxied("ACL", "SETUSER", "alice", "on", ">s3cret", "~app:*", "+get", "+set"));
        assertSameOnEveryNode("alice");
        assertTrue(everywhere("alice").get(0).contains("#"), "the secret is kept hashed");
        assertFalse(everywhere("alice").get(0).contains("s3cret"));
        try (RawClient client = RawClient.connect(proxy.port())) {
            assertEquals("+OK\r\n", client.call("AUTH", "alice", "s3cret"));
            assertEquals("$5\r\nalice\r\n", client.call("ACL", "WHOAMI"));
            assertEquals("+OK\r\n", client.call("SET", "app:1", "v"));
            assertTrue(client.call("GET", "other").startsWith("-NOPERM"));
        }
        // A change to a user is a change on every node; the secret stays hashed.
        assertEquals("+OK\r\n", proxied("ACL", "SETUSER", "alice", "+del", "(~sel:* +hget)"));
        assertSameOnEveryNode("alice");
        assertTrue(
                everywhere("alice").get(0).contains("(~sel:* "),
                everywhere("alice").get(0));
        assertEquals(direct(master, "ACL", "GETUSER", "alice"), proxied("ACL", "GETUSER", "alice"));
        assertEquals(direct(master, "ACL", "LIST"), proxied("ACL", "LIST"));
    }

    @Test
    void deletedUsersAreGoneFromEveryNode() throws Exception {
        proxied("ACL", "SETUSER", "bob", "on", "nopass");
        proxied("ACL", "SETUSER", "carol", "on", "nopass");
        assertEquals(":2\r\n", proxied("ACL", "DELUSER", "bob", "carol", "nobody"));
        assertEquals(List.of("none", "none", "none"), everywhere("bob"));
        assertEquals(List.of("none", "none", "none"), everywhere("carol"));
        assertEquals(":0\r\n", proxied("ACL", "DELUSER", "bob"));
    }

    /**
     * Something else changing the master's users at the same time (another proxy, or the monitor bringing the master
     * to an older record, as GroupAclFailoverIT caught) must not hide what the client's command changed: here a
     * writer re-creates the user on the master as fast as it can while the proxy deletes it, and every deletion
     * reaches the replicas. The master's users are read around the command in one write, so nothing comes between.
     */
    @Test
    void aConcurrentChangeOnTheMasterDoesNotHideTheCommandsOwn() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            try (RawClient direct = RawClient.connect(master.port())) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!stop.get() && System.nanoTime() < deadline) {
                    direct.call("ACL", "SETUSER", "dave", "on", "nopass");
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            for (int i = 0; i < 40; i++) {
                assertEquals("+OK\r\n", proxied("ACL", "SETUSER", "dave", "on", "nopass", "+get"));
                if (i == 0) {
                    writer.start();
                }
                proxied("ACL", "DELUSER", "dave");
                for (RedisProcess replica : replicas) {
                    assertFalse(
                            direct(replica, "ACL", "LIST").contains("user dave "),
                            "deletion " + i + " reached " + replica.address());
                }
            }
        } finally {
            stop.set(true);
            writer.join(10_000);
        }
    }

    @Test
    void redisRefusalIsTheAnswerAndChangesNoNode() throws Exception {
        String directAnswer = direct(master, "ACL", "SETUSER", "bob", "on", "+nosuchcommand");
        assertTrue(directAnswer.startsWith("-ERR"), directAnswer);
        assertEquals(directAnswer, proxied("ACL", "SETUSER", "bob", "on", "+nosuchcommand"));
        assertEquals(List.of("none", "none", "none"), everywhere("bob"));
        assertEquals(
                direct(master, "ACL", "LOAD"), proxied("ACL", "LOAD"), "no ACL file: Redis' own refusal, as Redis");
    }

    @Test
    void aClientsOwnUserIsWhomRedisChecks() throws Exception {
        proxied("ACL", "SETUSER", "carol", "on", ">pw", "~*", "+@all", "-@admin");
        try (RawClient carol = RawClient.connect(proxy.port())) {
            assertEquals("+OK\r\n", carol.call("AUTH", "carol", "pw"));
            String refused = carol.call("ACL", "SETUSER", "dave", "on");
            assertTrue(refused.startsWith("-NOPERM"), refused);
        }
        assertEquals(List.of("none", "none", "none"), everywhere("dave"));
    }

    /**
     * A replica where the client's user may not change users (made so by hand) refuses: the master and the replica
     * that took the change get the previous users back, both a new user and a changed one.
     */
    @Test
    void aReplicaThatRefusesGetsTheChangeUndoneEverywhere() throws Exception {
        proxied("ACL", "SETUSER", "admin2", "on", ">pw", "~*", "+@all");
        proxied("ACL", "SETUSER", "erin", "on", ">pw", "~*", "+get");
        List<String> erinBefore = everywhere("erin");
        direct(replicas.get(1), "ACL", "SETUSER", "admin2", "-@admin");
        try (RawClient admin = RawClient.connect(proxy.port())) {
            assertEquals("+OK\r\n", admin.call("AUTH", "admin2", "pw"));
            String answer = admin.call("ACL", "SETUSER", "dave", "on", "nopass");
            assertTrue(answer.startsWith("-ERR redis-failover: ACL SETUSER was undone on every node"), answer);
            answer = admin.call("ACL", "SETUSER", "erin", "+set");
            assertTrue(answer.contains("refused it (NOPERM"), answer);
        }
        assertEquals(List.of("none", "none", "none"), everywhere("dave"));
        assertEquals(erinBefore.get(0), everywhere("erin").get(0), "the master as it was");
        assertSameOnEveryNode("erin");
    }

    @Test
    void theUserTheProxyLogsInAsCannotBeChangedThroughIt() throws Exception {
        String answer = proxied("ACL", "SETUSER", "default", "off");
        assertTrue(answer.startsWith("-ERR redis-failover: ACL SETUSER of 'default' is refused"), answer);
        answer = proxied("ACL", "DELUSER", "bob", "default");
        assertTrue(answer.startsWith("-ERR redis-failover: ACL DELUSER of 'default' is refused"), answer);
        for (RedisProcess node : nodes()) {
            assertTrue(direct(node, "ACL", "GETUSER", "default").contains("on"));
        }
        assertEquals("$7\r\ndefault\r\n", proxied("ACL", "WHOAMI"));
    }
}
