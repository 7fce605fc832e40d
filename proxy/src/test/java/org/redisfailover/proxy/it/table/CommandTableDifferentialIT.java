package org.redisfailover.proxy.it.table;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.proxy.it.RunningProxy;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * The whole command table, command by command: for every command and subcommand the server documents in
 * {@code COMMAND DOCS}, a valid call with small generated arguments, a call with too few arguments and a
 * call on a key of the wrong type, each after the same preparation, sent to a redis-server directly and to
 * another through the proxy, in RESP2 and in RESP3. Replies must be byte for byte the same, except for the
 * commands listed with their reason in {@code differential-exceptions.properties} (rendered into
 * docs/COMMANDS.md), whose replies must have the same type; commands the proxy refuses by policy are sent to
 * the proxy only and must be refused, not hang. No call may hang. Run against Valkey too where
 * {@code valkey-server} is installed.
 */
class CommandTableDifferentialIT {

    private static final Duration REPLY_WAIT = Duration.ofSeconds(10);

    @Test
    void everyCommandAnswersThroughTheProxyAsRedisItself(@TempDir Path dir) throws Exception {
        compareAll("redis-server", dir);
    }

    @Test
    void everyCommandAnswersThroughTheProxyAsValkeyItself(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(
                RedisProcess.onPath("valkey-server"), "valkey-server is not installed (scripts/test installs it)");
        compareAll("valkey-server", dir);
    }

    private static void compareAll(String binary, Path dir) throws Exception {
        Properties exceptions = exceptions();
        CommandClassifier classifier = CommandClassifier.standard();
        List<String> differences = new ArrayList<>();
        int compared = 0;
        try (RedisProcess direct = RedisProcess.start(binary, dir, null);
                RedisProcess behind = RedisProcess.start(binary, dir, null);
                RunningProxy proxy = RunningProxy.start(behind, List.of(), c -> c.ioThreads(1));
                Jedis directAdmin = direct.client();
                Jedis behindAdmin = behind.client()) {
            List<DocumentedCommand> commands = DocumentedCommand.readFrom(directAdmin);
            for (DocumentedCommand command : commands) {
                Route route = classifier.classifyName(command.name());
                boolean refused =
                        route.routingClass() == RoutingClass.DENY || route.routingClass() == RoutingClass.SESSION;
                for (int protocol : new int[] {2, 3}) {
                    for (Call call : calls(command)) {
                        prepare(directAdmin, behindAdmin, call.preparation());
                        String throughProxy = exchange(proxy.port(), protocol, call.words());
                        if (refused) {
                            if (!throughProxy.startsWith("-ERR ")) {
                                differences.add(describe(
                                        command, protocol, call, "refused by policy, but answered " + throughProxy));
                            }
                            continue;
                        }
                        String exception = exceptions.getProperty(command.name(), "");
                        String fromServer = exchange(
                                exception.startsWith("node:") ? behind.port() : direct.port(), protocol, call.words());
                        compared++;
                        boolean same = exception.startsWith("type:")
                                ? sameType(fromServer, throughProxy)
                                : fromServer.equals(throughProxy)
                                        || (exception.startsWith("refused:")
                                                && throughProxy.startsWith("-ERR redis-failover: "));
                        if (!same) {
                            differences.add(describe(
                                    command,
                                    protocol,
                                    call,
                                    "server " + abbreviate(fromServer) + " proxy " + abbreviate(throughProxy)));
                        }
                    }
                }
            }
            System.out.printf(
                    "%s: %d commands and subcommands, %d exchanges compared, %d differences%n",
                    binary, commands.size(), compared, differences.size());
        }
        assertTrue(
                differences.isEmpty(),
                differences.size() + " replies differ or hung (fix them, or list them in "
                        + "differential-exceptions.properties with the reason):\n" + String.join("\n", differences));
    }

    /** One call of a command and what prepares the key it names. */
    private record Call(String kind, List<String> words, List<List<String>> preparation) {}

    private static List<Call> calls(DocumentedCommand command) {
        List<Call> calls = new ArrayList<>();
        List<String> valid = CallGenerator.valid(command);
        calls.add(new Call("valid", valid, CallGenerator.preparation(command.group())));
        if (valid.size() > command.words().size()) {
            calls.add(new Call(
                    "too few arguments", CallGenerator.tooFew(command), CallGenerator.preparation(command.group())));
        }
        if (valid.contains(CallGenerator.KEY)) {
            calls.add(new Call("wrong type", valid, CallGenerator.wrongType(command.group())));
        }
        return calls;
    }

    /**
     * Both servers empty, then the same key prepared on each; no subscription and no background save left
     * behind by an earlier call.
     */
    private static void prepare(Jedis direct, Jedis behind, List<List<String>> preparation) {
        for (Jedis server : List.of(direct, behind)) {
            Poll.until(
                    Duration.ofSeconds(10),
                    "the previous call's subscriptions and background saves to be over",
                    () -> server.pubsubNumPat() == 0
                            && server.pubsubChannels().isEmpty()
                            && server.pubsubShardChannels().isEmpty()
                            && server.info("persistence").contains("rdb_bgsave_in_progress:0")
                            && server.info("persistence").contains("aof_rewrite_in_progress:0"));
            server.flushAll();
            for (List<String> command : preparation) {
                server.sendCommand(
                        () -> command.get(0).getBytes(StandardCharsets.UTF_8),
                        command.subList(1, command.size()).toArray(String[]::new));
            }
        }
    }

    /** The reply to {@code words} on a new connection in RESP {@code protocol}, or what went wrong (a hang says so). */
    private static String exchange(int port, int protocol, List<String> words) {
        try (RawClient client = new RawClient(port, (int) REPLY_WAIT.toMillis())) {
            if (protocol == 3) {
                client.call("HELLO", "3"); // answered differently by design (the proxy's own id): not compared
            }
            String reply = client.call(words.toArray(String[]::new));
            return reply == null ? "<closed>" : reply;
        } catch (SocketTimeoutException e) {
            return "<HANG: no reply in " + REPLY_WAIT.toSeconds() + " s>";
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    private static boolean sameType(String a, String b) {
        return !a.isEmpty() && !b.isEmpty() && a.charAt(0) == b.charAt(0) && !a.startsWith("<") && !b.startsWith("<");
    }

    private static String describe(DocumentedCommand command, int protocol, Call call, String what) {
        return command.name() + " (RESP" + protocol + ", " + call.kind() + ": " + String.join(" ", call.words()) + "): "
                + what;
    }

    private static String abbreviate(String reply) {
        String oneLine = reply.replace("\r\n", "\\r\\n");
        return oneLine.length() > 160 ? oneLine.substring(0, 160) + "..." : oneLine;
    }

    private static Properties exceptions() throws IOException {
        Properties properties = new Properties();
        try (InputStream in =
                CommandTableDifferentialIT.class.getResourceAsStream("/differential-exceptions.properties")) {
            properties.load(in);
        }
        return properties;
    }
}
