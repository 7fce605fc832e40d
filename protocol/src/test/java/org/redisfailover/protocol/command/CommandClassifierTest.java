package org.redisfailover.protocol.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespWriter;

/** Real argument vectors, including the rows that proxies and client libraries have got wrong. */
class CommandClassifierTest {

    private static final CommandClassifier CLASSIFIER = CommandClassifier.standard();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET k|read",
                "get k|read",
                "MGET a b|read",
                "SET k v|master",
                "GEORADIUS k 0 0 1 km|master", // flagged write (Lettuce #1813 routed it to replicas)
                "GEORADIUS_RO k 0 0 1 km|read",
                "SORT k|master",
                "SORT_RO k|read",
                "GETEX k|master", // Envoy counted it as a read by omission
                "EVAL 'return 1' 0|master",
                "EVAL_RO 'return 1' 0|read",
                "FCALL f 0|master",
                "FCALL_RO f 0|read",
                "PUBLISH c m|master",
                "XREAD COUNT 1 STREAMS s 0|read",
                "XREAD BLOCK 0 STREAMS s $|pin-blocking",
                "XREAD STREAMS block 0|read", // 'block' after STREAMS is a key, not the option
                "XREADGROUP GROUP g c STREAMS s >|master",
                "XREADGROUP GROUP g c BLOCK 10 STREAMS s >|pin-blocking",
                "BLPOP q 0|pin-blocking",
                "WAIT 1 0|pin-blocking",
                "MULTI|pin-transaction",
                "WATCH k|pin-transaction",
                "SUBSCRIBE c|pin-pubsub",
                "PUBSUB CHANNELS|master",
                "OBJECT ENCODING k|read",
                "MEMORY USAGE k|read",
                "CONFIG GET maxmemory|master",
                "CONFIG SET maxmemory 1|group",
                "CONFIG RESETSTAT|group",
                "CONFIG REWRITE|deny",
                "config set maxmemory 1|group",
                "CLIENT KILL ID 1|deny",
                "CLIENT SETNAME x|local",
                "CLIENT NOSUCHSUB|master", // Redis answers its own 'unknown subcommand'
                "CLIENT REPLY OFF|local",
                "CLIENT ID|local",
                "AUTH pw|local",
                "SHUTDOWN|deny",
                "REPLICAOF NO ONE|deny",
                "SLAVEOF h 1|deny",
                "DEBUG SLEEP 0|deny",
                "MONITOR|deny",
                "PING|local",
                "SELECT 1|local",
                "INFO|master",
                "TIME|master",
                "DBSIZE|read",
                "SCAN 0|read-cursor",
                "KEYS *|read",
                "NOSUCHCOMMAND x|master", // unknown commands go to the master, never a replica
                "POST /|close",
                "Host: x|close",
            })
    void routes(String command, String expected) {
        RedisRequest request = RespWriter.request(UnpooledByteBufAllocator.DEFAULT, split(command));
        try {
            assertEquals(expected, CLASSIFIER.classify(request).routingClass().label());
        } finally {
            request.release();
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"config set a b|CONFIG SET", "shutdown|SHUTDOWN", "nosuch|NOSUCH"})
    void displayNamesFollowRedis(String command, String expected) {
        RedisRequest request = RespWriter.request(UnpooledByteBufAllocator.DEFAULT, split(command));
        try {
            assertEquals(expected, CLASSIFIER.classify(request).displayName());
        } finally {
            request.release();
        }
    }

    /** What read-your-writes counts as a write: not the set-up commands clients send on connecting. */
    @ParameterizedTest(name = "{0} may write: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "SET k v|true",
                "BLPOP q 0|true",
                "EVAL 'return 1' 0|true",
                "FCALL f 0|true",
                "EXEC|true",
                "PUBLISH c m|false",
                "NOSUCHCOMMAND x|true",
                "GET k|false",
                "EVAL_RO 'return 1' 0|false",
                "XREAD BLOCK 0 STREAMS s $|false",
                "CLIENT SETINFO lib-name jedis|false",
                "CLIENT SETNAME x|false",
                "HELLO 3|false",
                "WAIT 1 0|false",
                "INFO|false"
            })
    void mayWrite(String command, boolean expected) {
        RedisRequest request = RespWriter.request(UnpooledByteBufAllocator.DEFAULT, split(command));
        try {
            assertEquals(expected, CLASSIFIER.classify(request).mayWrite());
        } finally {
            request.release();
        }
    }

    /**
     * Safe mode releases an error at once only when it proves nothing was written: not for scripts and functions
     * (Redis keeps what they wrote before failing) nor for commands the table does not know.
     */
    @ParameterizedTest(name = "{0}: an error proves nothing was written: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "SET k v|true",
                "INCR k|true",
                "BLMOVE a b LEFT RIGHT 0|true",
                "EXEC|true",
                "EVAL 'return 1' 0|false",
                "EVALSHA abc 0|false",
                "FCALL f 0|false",
                "EVAL_RO 'return 1' 0|false",
                "NOSUCHCOMMAND x|false"
            })
    void errorsWriteNothing(String command, boolean expected) {
        RedisRequest request = RespWriter.request(UnpooledByteBufAllocator.DEFAULT, split(command));
        try {
            assertEquals(expected, CLASSIFIER.classify(request).errorsWriteNothing());
        } finally {
            request.release();
        }
    }

    /** A script's shebang flags: no-writes makes EVAL read-only, anything else (or no shebang) may write. */
    @ParameterizedTest(name = "{0} may write: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "#!lua flags=no-writes\\nreturn 1|false", "#!lua flags=allow-stale,no-writes\\nreturn 1|false",
                        "#!lua   flags=no-writes|false",
                "#!lua\\nreturn 1|true", "#!lua flags=allow-stale\\nreturn 1|true",
                        "return 1 -- #!lua flags=no-writes|true",
                "#!lua name=x\\n-- flags=no-writes|true", "#|true", "''|true"
            })
    void scriptFlags(String script, boolean expected) {
        RedisRequest request =
                RespWriter.request(UnpooledByteBufAllocator.DEFAULT, "EVAL", script.replace("\\n", "\n"), "0");
        try {
            Route route = CLASSIFIER.classify(request);
            assertEquals(expected, route.mayWrite());
            assertEquals(RoutingClass.MASTER, route.routingClass(), "the script runs where EVAL runs");
        } finally {
            request.release();
        }
    }

    private static String[] split(String command) {
        return command.replace("'", "").split(" (?=(?:[^']*'[^']*')*[^']*$)");
    }
}
