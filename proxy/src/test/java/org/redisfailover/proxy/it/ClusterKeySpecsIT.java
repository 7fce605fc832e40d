package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisfailover.protocol.command.ClusterCommand;
import org.redisfailover.protocol.command.ClusterCommands;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * The keys cluster mode routes by, found from the server's own key specifications, against the server's own
 * answer ({@code COMMAND GETKEYS}) for commands of every shape: fixed positions, key-value pairs, keys after a
 * keyword, counted keys, keys at the end, subcommands' keys, and movable ones. Against redis-server and
 * valkey-server, whose COMMAND replies the proxy reads at start.
 */
class ClusterKeySpecsIT {

    @TempDir
    Path dir;

    private static final List<List<String>> COMMANDS = List.of(
            List.of("GET", "k1"),
            List.of("SET", "k1", "v", "EX", "10"),
            List.of("MSET", "k1", "v1", "k2", "v2", "k3", "v3"),
            List.of("MGET", "k1", "k2", "k3"),
            List.of("DEL", "k1", "k2"),
            List.of("RENAME", "k1", "k2"),
            List.of("SMOVE", "s1", "s2", "m"),
            List.of("LMOVE", "l1", "l2", "LEFT", "RIGHT"),
            List.of("BLPOP", "l1", "l2", "l3", "0"),
            List.of("BZPOPMIN", "z1", "z2", "1"),
            List.of("ZUNIONSTORE", "dest", "2", "z1", "z2", "WEIGHTS", "1", "2"),
            List.of("ZINTERCARD", "2", "z1", "z2", "LIMIT", "5"),
            List.of("SINTERCARD", "3", "s1", "s2", "s3"),
            List.of("LMPOP", "2", "l1", "l2", "LEFT", "COUNT", "2"),
            List.of("BLMPOP", "1", "2", "l1", "l2", "RIGHT"),
            List.of("EVAL", "return 1", "2", "k1", "k2", "a1"),
            List.of("EVAL_RO", "return 1", "1", "k1"),
            List.of("FCALL", "f", "2", "k1", "k2", "a"),
            List.of("XREAD", "COUNT", "2", "STREAMS", "x1", "x2", "0", "0"),
            List.of("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x1", ">"),
            List.of("XADD", "x1", "*", "f", "v"),
            List.of("XINFO", "STREAM", "x1"),
            List.of("OBJECT", "ENCODING", "k1"),
            List.of("MEMORY", "USAGE", "k1"),
            List.of("BITOP", "AND", "dest", "b1", "b2"),
            List.of("PFMERGE", "dest", "h1", "h2"),
            List.of("PFCOUNT", "h1", "h2"),
            List.of("COPY", "k1", "k2", "REPLACE"),
            List.of("LCS", "k1", "k2"),
            List.of("GEOSEARCHSTORE", "dest", "src", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
            List.of("WATCH", "k1", "k2"),
            List.of("SORT_RO", "l1"),
            List.of("EXISTS", "k1", "k2", "k3"),
            List.of("SINTERSTORE", "dest", "s1", "s2"),
            List.of("HSET", "h", "f", "v"),
            List.of("ZADD", "z", "1", "m"));

    @ParameterizedTest
    @ValueSource(strings = {"redis-server", "valkey-server"})
    void keysFromTheSpecsAreTheServersOwn(String server) {
        assumeTrue(RedisProcess.onPath(server), server + " is not installed (scripts/test installs it)");
        try (RedisProcess node = RedisProcess.start(server, dir, null);
                Jedis jedis = node.client()) {
            ClusterCommands commands = ClusterCommands.parse(plain(jedis.sendCommand(Protocol.Command.COMMAND)));
            assertEquals(true, commands.size() > 200, "the node's commands: " + commands.size());
            for (List<String> command : COMMANDS) {
                List<String> expected = new ArrayList<>();
                for (Object key : (List<?>) jedis.sendCommand(Protocol.Command.COMMAND, concat("GETKEYS", command))) {
                    expected.add(new String((byte[]) key, StandardCharsets.UTF_8));
                }
                RedisRequest request = RespWriter.request(
                        Unpooled.buffer().alloc(),
                        command.stream()
                                .map(a -> a.getBytes(StandardCharsets.UTF_8))
                                .toList());
                try {
                    ClusterCommand found = commands.find(request);
                    assertNotNull(found, command.get(0));
                    List<String> keys = new ArrayList<>();
                    for (int position : found.keyPositions(request)) {
                        keys.add(request.argAsString(position));
                    }
                    assertEquals(expected, keys, String.join(" ", command));
                } finally {
                    request.release();
                }
            }
        }
    }

    private static String[] concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all.toArray(String[]::new);
    }

    /** Jedis' raw reply as the plain values the proxy reads one with (strings, numbers, lists). */
    private static Object plain(Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ClusterKeySpecsIT::plain).toList();
        }
        return value;
    }
}
