package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * Safe mode on every path: each write shape (a plain command, a script and a function that write and return
 * nothing, {@code SET ... GET} of a new key, a transaction, a move and a blocking move) from each kind of client
 * (anonymous, the proxy's password, a Redis ACL user by AUTH and by HELLO AUTH, RESP3 with tracking) is never
 * answered as done while too few replicas have it; and with enough replicas each gets Redis' own reply.
 */
@ExtendWith(RedisGroup.class)
class SafeModePathsIT {

    private static final String PROXY_SECRET = "proxy-secret";
    private static final String USER = "writer";
    private static final String USER_PASSWORD = "writer-secret";

    /** How a client logs in, and the proxy it needs (with or without a password of its own). */
    enum ClientKind {
        ANONYMOUS(false, List.of()),
        PROXY_PASSWORD(true, List.of(List.of("AUTH", PROXY_SECRET))),
        ACL_USER(false, List.of(List.of("AUTH", USER, USER_PASSWORD))),
        HELLO_AUTH(false, List.of(List.of("HELLO", "3", "AUTH", USER, USER_PASSWORD))),
        HELLO_AUTH_PROXY_PASSWORD(true, List.of(List.of("HELLO", "3", "AUTH", "default", PROXY_SECRET))),
        RESP3_TRACKING(false, List.of(List.of("HELLO", "3"), List.of("CLIENT", "TRACKING", "ON")));

        final boolean proxyPassword;
        final List<List<String>> login;

        ClientKind(boolean proxyPassword, List<List<String>> login) {
            this.proxyPassword = proxyPassword;
            this.login = login;
        }

        UnaryOperator<ProxyConfig.Builder> proxy(int replicaAcks, Duration timeout) {
            return config -> {
                config.replicaAcks(replicaAcks, timeout);
                return proxyPassword ? config.requirepass(PROXY_SECRET) : config;
            };
        }

        void logIn(RawClient client) throws Exception {
            for (List<String> command : login) {
                String reply = client.call(command.toArray(String[]::new)).strip();
                assertTrue(!reply.startsWith("-"), this + ": " + command.get(0) + " answered " + reply);
            }
        }
    }

    /** A write and how Redis answers it when it succeeds; each run writes a fresh key ({@code %s}). */
    record WriteShape(String name, List<List<String>> setup, List<String> write, String reply) {}

    private static final List<WriteShape> SHAPES = List.of(
            new WriteShape("SADD", List.of(), List.of("SADD", "paths:%s", "1"), ":1"),
            new WriteShape(
                    "a script that writes and returns nothing",
                    List.of(),
                    List.of("EVAL", "redis.call('SET', KEYS[1], 'v')", "1", "paths:%s"),
                    null),
            new WriteShape(
                    "a function that writes and returns nothing",
                    List.of(),
                    List.of("FCALL", "paths_write", "1", "paths:%s"),
                    null),
            new WriteShape("SET ... GET of a new key", List.of(), List.of("SET", "paths:%s", "v", "GET"), null),
            new WriteShape(
                    "MULTI/EXEC", List.of(List.of("MULTI"), List.of("SET", "paths:%s", "v")), List.of("EXEC"), "*1"),
            new WriteShape("LMOVE", List.of(), List.of("LMOVE", "paths:source", "paths:%s", "LEFT", "RIGHT"), "$"),
            new WriteShape(
                    "BLMOVE", List.of(), List.of("BLMOVE", "paths:source", "paths:%s", "LEFT", "RIGHT", "1"), "$"));

    @BeforeAll
    static void usersAndFunctions(RedisGroup group) {
        for (RedisProcess node : group.all()) {
            try (Jedis jedis = node.client()) {
                // Redis does not replicate ACLs: the user is created on every node, as an operator does.
                jedis.aclSetUser(USER, "on", ">" + USER_PASSWORD, "~*", "&*", "+@all");
            }
        }
        try (Jedis master = group.master().client()) {
            master.functionLoadReplace("#!lua name=paths\n"
                    + "redis.register_function('paths_write', function(keys) redis.call('SET', keys[1], 'v') end)");
            master.rpush(
                    "paths:source",
                    IntStream.range(0, 200).mapToObj(Integer::toString).toArray(String[]::new));
        }
        for (RedisProcess replica : group.replicas()) {
            replica.awaitReplicationFrom(group.master());
        }
    }

    @AfterAll
    static void removeUser(RedisGroup group) {
        for (RedisProcess node : group.all()) {
            try (Jedis jedis = node.client()) {
                jedis.aclDelUser(USER);
            }
        }
        try (Jedis master = group.master().client()) {
            master.functionFlush();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClientKind.class)
    void noWriteIsAnsweredAsDoneWithTooFewReplicas(ClientKind kind, RedisGroup group) throws Exception {
        int key = 0;
        try (RunningProxy proxy = RunningProxy.start(group, kind.proxy(3, Duration.ofMillis(300)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            kind.logIn(client);
            for (WriteShape shape : SHAPES) {
                String reply = write(client, shape, kind + "-" + key++);
                assertTrue(
                        reply.startsWith(
                                "-UNCERTAIN redis-failover: the write was applied on the master but only 2 of 3 replicas"),
                        kind + ", " + shape.name()
                                + ": two replicas cannot make three acknowledgements, but it answered " + reply);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClientKind.class)
    void withEnoughReplicasEachWriteGetsRedisOwnReplyAfterAWait(ClientKind kind, RedisGroup group) throws Exception {
        int key = 0;
        try (RunningProxy proxy = RunningProxy.start(group, kind.proxy(1, Duration.ofSeconds(2)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            kind.logIn(client);
            for (WriteShape shape : SHAPES) {
                long waitsBefore = group.master().calls("wait");
                String reply = write(client, shape, kind + "-ok-" + key++);
                String expected = shape.reply() != null
                        ? shape.reply()
                        : kind.login.stream().anyMatch(c -> c.get(0).equals("HELLO")) ? "_" : "$-1";
                assertTrue(reply.startsWith(expected), kind + ", " + shape.name() + ": " + reply);
                assertTrue(
                        group.master().calls("wait") > waitsBefore,
                        kind + ", " + shape.name() + ": answered after a WAIT");
            }
        }
    }

    @Test
    void aScriptErrorAfterAWriteIsHeldForItsWait(RedisGroup group) throws Exception {
        String failsAfterWriting = "redis.call('SET', KEYS[1], 'v'); return redis.error_reply('ERR failed on purpose')";
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(3, Duration.ofMillis(300)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            String reply = client.call("EVAL", failsAfterWriting, "1", "paths:script-error")
                    .strip();
            assertTrue(
                    reply.startsWith("-UNCERTAIN redis-failover: the write was applied on the master but only 2 of 3")
                            && reply.endsWith("the command failed after it may have written: ERR failed on purpose"),
                    "the script's write stays on the master unacknowledged: its error must not read as 'nothing written': "
                            + reply);
            assertTrue(
                    client.call("SADD", "paths:script-error", "x").strip().startsWith("-WRONGTYPE"),
                    "a plain command's error proves nothing was written: answered at once");
        }
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(1, Duration.ofSeconds(2)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            long waitsBefore = group.master().calls("wait");
            assertEquals(
                    "-ERR failed on purpose",
                    client.call("EVAL", failsAfterWriting, "1", "paths:script-error-2")
                            .strip(),
                    "acknowledged: Redis' own error");
            assertTrue(group.master().calls("wait") > waitsBefore);
        }
    }

    @Test
    void aClientOnItsOwnConnectionsSharesWaitsAcrossAPipeline(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(1, Duration.ofSeconds(2)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            ClientKind.ACL_USER.logIn(client);
            SafeModeIT.assertPipelineSharesWaits(group, client, "paths:own-pipelined");
            assertEquals(
                    "$" + USER.length() + "\r\n" + USER,
                    client.call("ACL", "WHOAMI").strip(),
                    "on the user's own connection");
        }
    }

    /** Runs {@code shape}'s setup and write for {@code key} (in place of {@code %s}); the write's reply. */
    static String write(RawClient client, WriteShape shape, String key) throws Exception {
        for (List<String> setup : shape.setup()) {
            String reply = client.call(format(setup, key)).strip();
            assertTrue(!reply.startsWith("-"), shape.name() + ": " + setup.get(0) + " answered " + reply);
        }
        return client.call(format(shape.write(), key)).strip();
    }

    private static String[] format(List<String> command, String key) {
        return command.stream()
                .map(arg -> arg.contains("%s") ? String.format(arg, key) : arg)
                .toArray(String[]::new);
    }
}
