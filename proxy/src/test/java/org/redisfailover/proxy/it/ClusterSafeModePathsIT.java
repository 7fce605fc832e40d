package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.proxy.it.SafeModePathsIT.ClientKind;
import org.redisfailover.proxy.it.SafeModePathsIT.WriteShape;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * Safe mode per shard on every path, as {@link SafeModePathsIT} checks it for one group: each write shape (a
 * plain command, a script and a function that write and return nothing, {@code SET ... GET}, a transaction, a
 * move and a blocking move) from each kind of client (anonymous, the proxy's password, a Redis ACL user by AUTH
 * and by HELLO AUTH, RESP3 with tracking), in front of a 3+3 cluster. With two acknowledgements asked of a shard
 * that has one replica, none is answered as done; with one, each gets Redis' own reply after a WAIT on its
 * shard's master.
 */
class ClusterSafeModePathsIT {

    private static final String USER = "writer";
    private static final String USER_PASSWORD = "writer-secret";
    /** Every key of these writes is in this hash tag's slot: one shard, as a transaction or a move needs. */
    private static final String TAG = "{paths}";

    private static final List<WriteShape> SHAPES = List.of(
            new WriteShape("SADD", List.of(), List.of("SADD", TAG + "%s", "1"), ":1"),
            new WriteShape(
                    "a script that writes and returns nothing",
                    List.of(),
                    List.of("EVAL", "redis.call('SET', KEYS[1], 'v')", "1", TAG + "%s"),
                    null),
            new WriteShape(
                    "a function that writes and returns nothing",
                    List.of(),
                    List.of("FCALL", "paths_write", "1", TAG + "%s"),
                    null),
            new WriteShape("SET ... GET of a new key", List.of(), List.of("SET", TAG + "%s", "v", "GET"), null),
            new WriteShape(
                    "MULTI/EXEC", List.of(List.of("MULTI"), List.of("SET", TAG + "%s", "v")), List.of("EXEC"), "*1"),
            new WriteShape("LMOVE", List.of(), List.of("LMOVE", TAG + "source", TAG + "%s", "LEFT", "RIGHT"), "$"),
            new WriteShape(
                    "BLMOVE", List.of(), List.of("BLMOVE", TAG + "source", TAG + "%s", "LEFT", "RIGHT", "1"), "$"));

    @TempDir
    static Path dir;

    private static RedisCluster cluster;
    private static RedisProcess shard;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(dir, 3, 1);
        for (RedisProcess node : cluster.nodes()) {
            try (Jedis jedis = node.client()) {
                // Redis does not replicate ACLs: the user is created on every node, as an operator does.
                jedis.aclSetUser(USER, "on", ">" + USER_PASSWORD, "~*", "&*", "+@all");
            }
        }
        shard = cluster.masterOf(HashSlots.of(TAG.getBytes(StandardCharsets.UTF_8)));
        for (RedisProcess master : cluster.masters()) {
            try (Jedis jedis = master.client()) {
                jedis.functionLoadReplace("#!lua name=paths\n"
                        + "redis.register_function('paths_write', function(keys) redis.call('SET', keys[1], 'v') end)");
            }
        }
        try (Jedis jedis = shard.client()) {
            jedis.rpush(
                    TAG + "source",
                    IntStream.range(0, 200).mapToObj(Integer::toString).toArray(String[]::new));
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClientKind.class)
    void noWriteIsAnsweredAsDoneWithTooFewReplicasInItsShard(ClientKind kind) throws Exception {
        int key = 0;
        try (RunningProxy proxy = RunningProxy.startCluster(cluster, kind.proxy(2, Duration.ofMillis(100)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            kind.logIn(client);
            for (WriteShape shape : SHAPES) {
                String reply = SafeModePathsIT.write(client, shape, kind + "-" + key++);
                assertTrue(
                        reply.startsWith(
                                "-UNCERTAIN redis-failover: the write was applied on the master but only 1 of 2"),
                        kind + ", " + shape.name() + ": one replica cannot make two acknowledgements, but it answered "
                                + reply);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClientKind.class)
    void withEnoughReplicasEachWriteGetsRedisOwnReplyAfterAWaitOnItsShard(ClientKind kind) throws Exception {
        int key = 0;
        try (RunningProxy proxy = RunningProxy.startCluster(cluster, kind.proxy(1, Duration.ofSeconds(2)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            kind.logIn(client);
            for (WriteShape shape : SHAPES) {
                long waitsBefore = shard.calls("wait");
                String reply = SafeModePathsIT.write(client, shape, kind + "-ok-" + key++);
                String expected = shape.reply() != null
                        ? shape.reply()
                        : kind.login.stream().anyMatch(c -> c.get(0).equals("HELLO")) ? "_" : "$-1";
                assertTrue(reply.startsWith(expected), kind + ", " + shape.name() + ": " + reply);
                assertTrue(shard.calls("wait") > waitsBefore, kind + ", " + shape.name() + ": answered after a WAIT");
            }
        }
    }
}
