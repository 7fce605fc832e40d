package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;

/**
 * PUBLISH counts the receivers Redis counts after every form of UNSUBSCRIBE and PUNSUBSCRIBE (with and without
 * names, pipelined behind the SUBSCRIBE or not, in RESP2 and RESP3): the same sequence is played against the node
 * directly and through the proxy, and each PUBLISH's count must be the same. Against redis-server and valkey-server.
 */
class PubSubReceiverCountIT {

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String server : List.of("redis-server", "valkey-server")) {
            for (int protocol : new int[] {2, 3}) {
                cases.add(Arguments.of(server, protocol));
            }
        }
        return cases.stream();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void receiverCountsMatchRedisAfterEveryFormOfUnsubscribe(String server, int protocol) throws Exception {
        assumeTrue(RedisProcess.onPath(server), server + " is not installed (scripts/test installs it)");
        RedisProcess direct = RedisProcess.start(server, dir, null);
        opened.add(direct);
        RedisProcess behind = RedisProcess.start(server, dir, null);
        opened.add(behind);
        RunningProxy proxy = RunningProxy.start(behind, List.of(), config -> config);
        opened.add(0, proxy);
        assertEquals(counts(direct.port(), protocol), counts(proxy.port(), protocol));
    }

    /** The receiver count of each PUBLISH in a fixed sequence of (un)subscriptions, played against {@code port}. */
    private static List<String> counts(int port, int protocol) throws IOException {
        List<String> counts = new ArrayList<>();
        try (RawClient subscriber = RawClient.connect(port);
                RawClient publisher = RawClient.connect(port)) {
            if (protocol == 3) {
                subscriber.call("HELLO", "3");
            }
            // UNSUBSCRIBE with no names, after two subscriptions: both go.
            subscribe(subscriber, "SUBSCRIBE", "a", "b");
            counts.add(publisher.call("PUBLISH", "a", "x"));
            readConfirmations(subscriber, 1); // the message
            subscriber.send(RawClient.command("UNSUBSCRIBE"));
            readConfirmations(subscriber, 2);
            counts.add(publisher.call("PUBLISH", "a", "x"));
            counts.add(publisher.call("PUBLISH", "b", "x"));
            // Pipelined behind the SUBSCRIBE, with a PING after it (subscribed mode is left).
            subscriber.send(
                    RawClient.command("SUBSCRIBE", "c") + RawClient.command("UNSUBSCRIBE") + RawClient.command("PING"));
            readConfirmations(subscriber, 3);
            counts.add(publisher.call("PUBLISH", "c", "x"));
            // A pattern stays when the channels go; PUNSUBSCRIBE with no names ends it.
            subscribe(subscriber, "SUBSCRIBE", "d");
            subscribe(subscriber, "PSUBSCRIBE", "p*");
            subscriber.send(RawClient.command("UNSUBSCRIBE"));
            readConfirmations(subscriber, 1);
            counts.add(publisher.call("PUBLISH", "d", "x"));
            counts.add(publisher.call("PUBLISH", "pz", "x"));
            readConfirmations(subscriber, 1); // the pmessage
            subscriber.send(RawClient.command("PUNSUBSCRIBE"));
            readConfirmations(subscriber, 1);
            counts.add(publisher.call("PUBLISH", "pz", "x"));
            // By name, one of two.
            subscribe(subscriber, "SUBSCRIBE", "e", "f");
            subscriber.send(RawClient.command("UNSUBSCRIBE", "e"));
            readConfirmations(subscriber, 1);
            counts.add(publisher.call("PUBLISH", "e", "x"));
            counts.add(publisher.call("PUBLISH", "f", "x"));
        }
        return counts;
    }

    private static void subscribe(RawClient subscriber, String command, String... names) throws IOException {
        String[] words = new String[names.length + 1];
        words[0] = command;
        System.arraycopy(names, 0, words, 1, names.length);
        subscriber.send(RawClient.command(words));
        readConfirmations(subscriber, names.length);
    }

    private static void readConfirmations(RawClient subscriber, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            subscriber.readReply();
        }
    }
}
