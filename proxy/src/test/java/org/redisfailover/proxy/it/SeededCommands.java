package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.redisfailover.testing.RawClient;

/**
 * A random but seeded sequence of commands (strings, lists, hashes, sets, sorted sets, streams, expiries, wrong
 * types, transactions) over a small keyspace, so that types collide and transactions touch the same keys.
 */
final class SeededCommands {
    private final Random random;
    private final String keyPrefix;
    private final String transactionKeyPrefix;
    private final List<List<String>> out = new ArrayList<>();
    private int streamId;

    /**
     * Keys are {@code keyPrefix} and a number below 8, those of transactions {@code transactionKeyPrefix} and one:
     * in front of a cluster, a prefix with a hash tag keeps them in one slot.
     */
    SeededCommands(Random random, String keyPrefix, String transactionKeyPrefix) {
        this.random = random;
        this.keyPrefix = keyPrefix;
        this.transactionKeyPrefix = transactionKeyPrefix;
    }

    List<List<String>> generate(int count) {
        while (out.size() < count) {
            if (random.nextInt(12) == 0) {
                transaction();
            } else {
                out.add(command(keyPrefix));
            }
        }
        return out;
    }

    private void transaction() {
        boolean watch = random.nextBoolean();
        if (watch) {
            out.add(List.of("WATCH", transactionKeyPrefix + random.nextInt(8)));
        }
        out.add(List.of("MULTI"));
        int queued = 1 + random.nextInt(4);
        for (int i = 0; i < queued; i++) {
            out.add(command(transactionKeyPrefix));
        }
        out.add(List.of(random.nextInt(5) == 0 ? "DISCARD" : "EXEC"));
    }

    private String prefix;

    private String key() {
        return prefix + random.nextInt(8);
    }

    private String value() {
        return Integer.toString(random.nextInt(20));
    }

    private List<String> command(String keys) {
        prefix = keys;
        String k = key();
        return switch (random.nextInt(30)) {
            case 0 -> List.of("SET", k, value());
            case 1 -> List.of("GET", k);
            case 2 -> List.of("INCR", k);
            case 3 -> List.of("APPEND", k, value());
            case 4 -> List.of("MGET", k, key(), key());
            case 5 -> List.of("MSET", k, value(), key(), value());
            case 6 -> List.of("LPUSH", k, value(), value());
            case 7 -> List.of("RPOP", k);
            case 8 -> List.of("LRANGE", k, "0", "-1");
            case 9 -> List.of("LLEN", k);
            case 10 -> List.of("HSET", k, "f" + value(), value());
            case 11 -> List.of("HGETALL", k);
            case 12 -> List.of("HDEL", k, "f" + value());
            case 13 -> List.of("SADD", k, value(), value());
            case 14 -> List.of("SMEMBERS", k); // integer members: an intset, whose order is the same everywhere
            case 15 -> List.of("SREM", k, value());
            case 16 -> List.of("ZADD", k, value(), "m" + value());
            case 17 -> List.of("ZRANGE", k, "0", "-1", "WITHSCORES");
            case 18 -> List.of("ZINCRBY", k, value(), "m" + value());
            case 19 -> List.of("XADD", k, (++streamId) + "-0", "field", value());
            case 20 -> List.of("XRANGE", k, "-", "+");
            case 21 -> List.of("XLEN", k);
            case 22 -> List.of("EXPIRE", k, "1000");
            case 23 -> List.of("PERSIST", k);
            case 24 -> List.of("EXISTS", k, key());
            case 25 -> List.of("TYPE", k);
            case 26 -> List.of("DEL", k);
            case 27 -> List.of("GETRANGE", k, "0", "2");
            case 28 -> List.of("INCRBY", k, "notanumber");
            default -> List.of("STRLEN", k);
        };
    }

    /** Sends each of {@code commands} to Redis directly and through the proxy; every reply must be the same bytes. */
    static void assertSameReplies(int redisPort, int proxyPort, List<List<String>> commands, long seed)
            throws IOException {
        try (RawClient toRedis = new RawClient(redisPort, 10_000);
                RawClient toProxy = new RawClient(proxyPort, 10_000)) {
            for (int i = 0; i < commands.size(); i++) {
                String request = RawClient.command(commands.get(i).toArray(String[]::new));
                toRedis.send(request);
                toProxy.send(request);
                String expected = toRedis.readReply();
                String actual = toProxy.readReply();
                assertEquals(expected, actual, "seed " + seed + ", command " + i + ": " + commands.get(i));
            }
        }
    }
}
