package org.redisfailover.proxy.it;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.proxy.config.ClusterSettings;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * The seeded command sequences of {@link SeededDifferentialIT} sent to a lone redis-server directly and through
 * the proxy in front of a 3-master Redis Cluster: every reply must be byte for byte the same. Once with every key
 * in one slot (a hash tag: transactions, WATCH and the multi-key commands go to one master), once with keys spread
 * over the shards (MGET, EXISTS, DEL and MSET split per slot and merged; transactions keep to one tagged slot).
 * The seed is printed; {@code -Ddifferential.seed=N} replays a run.
 */
class ClusterDifferentialIT {

    private static final int COMMANDS = 3_000;

    @TempDir
    Path dir;

    @Test
    void keysInOneSlotGiveRedisOwnReplies() throws Exception {
        compare("{d}:", "{d}:");
    }

    @Test
    void keysOverEveryShardGiveRedisOwnReplies() throws Exception {
        compare("d:", "{t}:");
    }

    private void compare(String keys, String transactionKeys) throws Exception {
        long seed = Long.getLong("differential.seed", System.nanoTime());
        System.out.println("ClusterDifferentialIT seed " + seed + " (replay with -Ddifferential.seed=" + seed + ")");
        try (RedisCluster cluster = RedisCluster.start(dir, 3, 0);
                RedisProcess direct = RedisProcess.start(dir, null);
                RunningProxy proxy = RunningProxy.startCluster(
                        cluster,
                        config -> config.cluster(new ClusterSettings(
                                List.of(cluster.nodes().get(0).address()),
                                ClusterSettings.DEFAULT_REFRESH,
                                true,
                                null)));
                Jedis directAdmin = direct.client()) {
            directAdmin.flushAll();
            List<List<String>> commands =
                    new SeededCommands(new Random(seed), keys, transactionKeys).generate(COMMANDS);
            SeededCommands.assertSameReplies(direct.port(), proxy.port(), commands, seed);
        }
    }
}
