package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;

/**
 * The proxy's own password (requirepass): what a client may do before AUTH, byte for byte as a Redis with
 * requirepass answers it, and that nothing of an unauthenticated client reaches the group.
 */
@ExtendWith(RedisGroup.class)
class ProxyPasswordIT {

    private static final String PASSWORD = "proxy-secret";

    private static RunningProxy start(RedisGroup group) {
        return RunningProxy.start(group, config -> config.requirepass(PASSWORD));
    }

    /** Each exchange, as a Redis with requirepass answers it and as the proxy does. */
    @Test
    void beforeAuthTheProxyAnswersAsARedisWithRequirepass(RedisGroup group) throws Exception {
        Path dir = Files.createTempDirectory("redis-failover-requirepass");
        try (RedisProcess reference = RedisProcess.startSecured(dir, null, PASSWORD, null);
                RunningProxy proxy = start(group)) {
            List<List<String>> exchanges = List.of(
                    List.of("GET", "k"),
                    List.of("SUBSCRIBE", "news"),
                    List.of("HELLO", "3"),
                    List.of("AUTH", "wrong"),
                    List.of("AUTH", "default", "wrong"),
                    List.of("HELLO", "3", "AUTH", "default", "wrong"),
                    List.of("AUTH", "a", "b", "c"),
                    List.of("AUTH", PASSWORD),
                    List.of("SET", "k", "v"),
                    List.of("GET", "k"),
                    List.of("AUTH", "wrong"),
                    List.of("GET", "k"));
            try (RawClient redis = new RawClient(reference.port(), 5000);
                    RawClient viaProxy = new RawClient(proxy.port(), 5000)) {
                for (List<String> exchange : exchanges) {
                    String[] args = exchange.toArray(String[]::new);
                    assertEquals(redis.call(args), viaProxy.call(args), String.join(" ", exchange));
                }
            }
            for (String[] oversized : List.of(manyArgs(11), new String[] {"GET", "x".repeat(16 * 1024 + 1)})) {
                try (RawClient redis = new RawClient(reference.port(), 5000);
                        RawClient viaProxy = new RawClient(proxy.port(), 5000)) {
                    String expected = redis.call(oversized);
                    assertTrue(expected.startsWith("-ERR Protocol error: unauthenticated"), expected);
                    assertEquals(expected, viaProxy.call(oversized));
                    assertTrue(viaProxy.drainsToClose(), "closed after the protocol error, as by Redis");
                }
            }
        }
    }

    @Test
    void nothingOfAnUnauthenticatedClientReachesRedis(RedisGroup group) throws Exception {
        try (RunningProxy proxy = start(group);
                RawClient client = new RawClient(proxy.port(), 5000)) {
            long gets = group.master().calls("get");
            long subscribes = group.master().calls("subscribe");
            long pinned = proxy.server().metrics().pinnedConnections.getCount();
            assertEquals(
                    "-NOAUTH Authentication required.", client.call("GET", "k").strip());
            assertEquals(
                    "-NOAUTH Authentication required.",
                    client.call("SUBSCRIBE", "news").strip());
            assertEquals(
                    "-NOAUTH Authentication required.", client.call("MULTI").strip());
            assertEquals(
                    "-NOAUTH Authentication required.",
                    client.call("BLPOP", "list", "1").strip());
            assertEquals(gets, group.master().calls("get"));
            assertEquals(subscribes, group.master().calls("subscribe"));
            assertEquals(pinned, proxy.server().metrics().pinnedConnections.getCount(), "no connection pinned for it");
            assertEquals("+OK", client.call("AUTH", "default", PASSWORD).strip());
            assertEquals(
                    "+OK",
                    client.call("MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
                            .strip(),
                    "eleven arguments once in");
            assertEquals("+OK", client.call("QUIT").strip());
        }
    }

    /**
     * An application that logs in as a Redis ACL user of the group gets in without the proxy's password, as with
     * Redis itself; a login Redis refuses leaves the client out, counts as a wrong password, and costs Redis one
     * AUTH and nothing else.
     */
    @Test
    void anAclUserOfTheGroupLogsInWithoutTheProxysPassword(RedisGroup group) throws Exception {
        for (RedisProcess node : group.all()) {
            try (RawClient admin = new RawClient(node.port(), 5000)) {
                assertEquals(
                        "+OK",
                        admin.call("ACL", "SETUSER", "app", "on", ">app-secret", "~*", "&*", "+@all")
                                .strip());
            }
        }
        try (RunningProxy proxy = start(group)) {
            try (RawClient client = new RawClient(proxy.port(), 5000)) {
                assertEquals("+OK", client.call("AUTH", "app", "app-secret").strip());
                assertEquals("+OK", client.call("SET", "acl:login", "1").strip());
                assertEquals("$3\r\napp\r\n", client.call("ACL", "WHOAMI"), "it runs as that user");
            }
            try (RawClient resp3 = new RawClient(proxy.port(), 5000)) {
                assertTrue(
                        resp3.call("HELLO", "3", "AUTH", "app", "app-secret").startsWith("%"),
                        "HELLO 3 AUTH user pass, as RESP3 clients send it");
                assertEquals("$1\r\n1\r\n", resp3.call("GET", "acl:login"));
            }
            try (RawClient guesser = new RawClient(proxy.port(), 5000)) {
                long failures = proxy.server().metrics().authFailures.getCount();
                long auths = group.master().calls("auth");
                assertEquals(
                        "-WRONGPASS invalid username-password pair or user is disabled.",
                        guesser.call("AUTH", "app", "wrong").strip());
                assertEquals(
                        "-NOAUTH Authentication required.",
                        guesser.call("GET", "acl:login").strip(),
                        "a refused login lets nothing in");
                assertEquals(
                        failures + 1, proxy.server().metrics().authFailures.getCount(), "counted as a wrong password");
                assertEquals(auths + 1, group.master().calls("auth"), "Redis saw the login and nothing else");
            }
        }
    }

    @Test
    void lettuceAuthenticatesWithHelloAuthInResp3(RedisGroup group) {
        try (RunningProxy proxy = start(group)) {
            RedisClient lettuce = RedisClient.create(RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(proxy.port())
                    .withPassword(PASSWORD.toCharArray())
                    .build());
            try (StatefulRedisConnection<String, String> connection = lettuce.connect()) {
                assertEquals("OK", connection.sync().set("lettuce:auth", "1"));
                assertEquals("1", connection.sync().get("lettuce:auth"));
            } finally {
                lettuce.shutdown();
            }
        }
    }

    @Test
    void repeatedWrongPasswordsAreSlowedDownAndTheRightOneStartsOver(RedisGroup group) throws Exception {
        try (RunningProxy proxy = start(group);
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            for (int i = 0; i < 3; i++) {
                assertTrue(client.call("AUTH", "guess" + i).strip().startsWith("-WRONGPASS"));
            }
            long started = System.nanoTime();
            assertTrue(client.call("AUTH", "guess3").strip().startsWith("-WRONGPASS"));
            long fourthMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(fourthMillis >= 90, "the fourth wrong password waits: " + fourthMillis + " ms");
            started = System.nanoTime();
            assertTrue(client.call("AUTH", "guess4").strip().startsWith("-WRONGPASS"));
            long fifthMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(fifthMillis >= 190, "and the fifth twice as long: " + fifthMillis + " ms");
            try (RawClient other = new RawClient(proxy.port(), 10_000)) {
                started = System.nanoTime();
                assertTrue(other.call("AUTH", "guess5").strip().startsWith("-WRONGPASS"));
                assertTrue(
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) >= 390,
                        "a new connection from the same address does not start over");
                assertEquals("+OK", other.call("AUTH", PASSWORD).strip());
            }
            started = System.nanoTime();
            assertTrue(client.call("AUTH", "typo").strip().startsWith("-WRONGPASS"));
            // Without the start over this would be the eighth failure in a row, 800 ms.
            assertTrue(
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) < 700,
                    "the right password started the count over");
            assertTrue(proxy.server().metrics().authFailures.getCount() >= 7);
        }
    }

    private static ProxyConfig.Builder configOf(RedisGroup group) {
        return ProxyConfig.builder(
                new NodeAddress("127.0.0.1", 0),
                group.master().address(),
                group.replicas().stream().map(RedisProcess::address).toList());
    }

    private static String[] manyArgs(int count) {
        List<String> args = new ArrayList<>(List.of("MSET"));
        while (args.size() < count) {
            args.add("k" + args.size());
        }
        return args.toArray(String[]::new);
    }

    /** Regression: a password set by a reload turned clients already connected without one away with NOAUTH. */
    @Test
    void aReloadedPasswordAppliesToNewClientsAndOpenOnesStayIn(RedisGroup group) throws Exception {
        ProxyConfig withPassword = configOf(group).requirepass(PASSWORD).build();
        try (RunningProxy proxy = RunningProxy.start(group, config -> config);
                RawClient before = new RawClient(proxy.port(), 5000)) {
            assertEquals("+OK", before.call("SET", "reload:k", "v").strip());
            proxy.server().reload(withPassword);
            assertEquals(
                    "$1\r\nv",
                    before.call("GET", "reload:k").strip(),
                    "connected before the password: still in, as in Redis");
            try (RawClient after = new RawClient(proxy.port(), 5000)) {
                assertEquals(
                        "-NOAUTH Authentication required.",
                        after.call("GET", "reload:k").strip());
                proxy.server().reload(configOf(group).build());
                assertEquals(
                        "+OK",
                        after.call("MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
                                .strip(),
                        "the password removed: nothing is asked, and Redis' unauthenticated bounds are lifted");
            }
        }
    }
}
