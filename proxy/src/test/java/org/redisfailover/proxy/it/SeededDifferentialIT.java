package org.redisfailover.proxy.it;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * A random but seeded sequence of commands (strings, lists, hashes, sets, sorted sets, streams,
 * expiries, wrong types, transactions) sent to a redis-server directly and to another through the
 * proxy: every reply must be byte for byte the same. The seed is printed; {@code -Ddifferential.seed=N}
 * replays a run.
 */
@ExtendWith(RedisGroup.class)
class SeededDifferentialIT {

    private static final int COMMANDS = 3_000;

    @Test
    void randomCommandSequencesGiveRedisOwnReplies(RedisGroup group, @TempDir Path dir) throws Exception {
        long seed = Long.getLong("differential.seed", System.nanoTime());
        System.out.println("SeededDifferentialIT seed " + seed + " (replay with -Ddifferential.seed=" + seed + ")");
        try (RedisProcess direct = RedisProcess.start(dir, null);
                RunningProxy proxy = RunningProxy.start(group);
                Jedis master = group.master().client();
                Jedis directAdmin = direct.client()) {
            master.flushAll();
            directAdmin.flushAll();
            List<List<String>> commands = new SeededCommands(new Random(seed), "d:", "d:").generate(COMMANDS);
            SeededCommands.assertSameReplies(direct.port(), proxy.port(), commands, seed);
        }
    }
}
