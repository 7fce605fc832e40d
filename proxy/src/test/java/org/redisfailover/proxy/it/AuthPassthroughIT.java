package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * AUTH (and HELLO AUTH) through the proxy: Redis checks it, and the client then runs as its own ACL user on every node,
 * for reads on replicas, writes, transactions and blocking calls, while other clients keep the proxy's.
 */
@ExtendWith(RedisGroup.class)
class AuthPassthroughIT {

    private RunningProxy proxy;
    private RedisGroup group;

    @BeforeEach
    void start(RedisGroup group) {
        this.group = group;
        for (RedisProcess node : nodes()) {
            try (Jedis jedis = node.client()) {
                // ACL users are managed outside the proxy, on every server alike.
                jedis.aclSetUser("alice", "on", ">secret", "~alice:*", "+@all");
                jedis.aclSetUser("carol", "on", ">secret", "~*", "+@all", "-@admin");
            }
        }
        proxy = RunningProxy.start(group, config -> config.readPolicy(ReadPolicy.REPLICA));
    }

    @AfterEach
    void stop() {
        proxy.close();
        for (RedisProcess node : nodes()) {
            try (Jedis jedis = node.client()) {
                jedis.aclDelUser("alice");
                jedis.aclDelUser("carol");
            }
        }
    }

    private List<RedisProcess> nodes() {
        return List.of(group.master(), group.replicas().get(0), group.replicas().get(1));
    }

    @Test
    void authenticatedClientRunsAsItsOwnUserEverywhere() {
        try (Jedis alice = proxy.client();
                Jedis anonymous = proxy.client()) {
            JedisDataException wrong = assertThrows(JedisDataException.class, () -> alice.auth("alice", "guess"));
            assertTrue(wrong.getMessage().startsWith("WRONGPASS"), wrong.getMessage());
            assertEquals("default", alice.aclWhoAmI(), "a refused AUTH leaves the client as it was");

            assertEquals("OK", alice.auth("alice", "secret"));
            assertEquals("alice", alice.aclWhoAmI());
            assertEquals("OK", alice.set("alice:1", "v"));
            JedisDataException denied = assertThrows(JedisDataException.class, () -> alice.set("bob:1", "v"));
            assertTrue(denied.getMessage().startsWith("NOPERM"), denied.getMessage());
            group.replicas().forEach(replica -> replica.awaitReplicationFrom(group.master()));
            assertEquals("v", alice.get("alice:1"), "a read on a replica, as alice");
            JedisDataException deniedRead = assertThrows(JedisDataException.class, () -> alice.get("bob:1"));
            assertTrue(deniedRead.getMessage().startsWith("NOPERM"), deniedRead.getMessage());

            Transaction transaction = alice.multi();
            transaction.incr("alice:counter");
            assertEquals(List.of(1L), transaction.exec());
            alice.rpush("alice:queue", "job");
            assertEquals(List.of("alice:queue", "job"), alice.blpop(1, "alice:queue"));

            assertEquals("OK", anonymous.set("bob:1", "v"), "other clients keep the proxy's user");
            assertEquals("default", anonymous.aclWhoAmI());

            assertEquals(
                    "RESET",
                    alice.sendCommand(() -> "RESET".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                                    instanceof byte[] bytes
                            ? new String(bytes, java.nio.charset.StandardCharsets.US_ASCII)
                            : null);
            assertEquals("default", alice.aclWhoAmI(), "RESET logs the client back in as the default user");
        }
    }

    /**
     * HELLO 3 AUTH user pass (what RESP3 client libraries send on connect): Redis checks the login and answers the
     * HELLO; the client then runs as that user, in RESP3, and SETNAME names its connection to the proxy. A
     * refused login leaves the client as it was.
     */
    @Test
    void helloWithAuthLogsInAsTheUserInTheProtocolAsked() throws Exception {
        try (org.redisfailover.testing.RawClient client =
                new org.redisfailover.testing.RawClient(proxy.port(), 5_000)) {
            assertTrue(
                    client.call("HELLO", "3", "AUTH", "alice", "guess").startsWith("-WRONGPASS"), "Redis' own refusal");
            assertEquals("$7\r\ndefault", client.call("ACL", "WHOAMI").strip(), "still the default user, in RESP2");
            String hello = client.call("HELLO", "3", "AUTH", "alice", "secret", "SETNAME", "app-1");
            assertTrue(hello.startsWith("%") && hello.contains("redis"), "Redis' HELLO map: " + hello);
            assertEquals("$5\r\nalice", client.call("ACL", "WHOAMI").strip());
            assertEquals("+OK", client.call("SET", "alice:hello", "v").strip());
            assertEquals("_", client.call("GET", "alice:missing").strip(), "RESP3's null");
            assertEquals("$5\r\napp-1", client.call("CLIENT", "GETNAME").strip());
            assertTrue(client.call("SET", "bob:hello", "v").startsWith("-NOPERM"), "alice's permissions apply");
        }
    }

    /** CONFIG SET reaches the nodes as the client's own user: one without the permission is refused, by Redis. */
    @Test
    void configSetRunsAsTheClientsOwnUser() {
        try (Jedis carol = proxy.client();
                Jedis direct = group.master().client()) {
            assertEquals("OK", carol.auth("carol", "secret"));
            JedisDataException denied = assertThrows(JedisDataException.class, () -> carol.configSet("hz", "13"));
            assertTrue(denied.getMessage().startsWith("NOPERM"), denied.getMessage());
            assertEquals("10", direct.configGet("hz").get("hz"), "nothing changed");
        }
    }
}
