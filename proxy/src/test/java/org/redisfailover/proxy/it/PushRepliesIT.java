package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import redis.clients.jedis.Jedis;

/**
 * Pushes under CLIENT REPLY OFF and SKIP, compared with Redis itself: a subscriber whose replies are off still
 * gets its subscription's confirmation and its messages, in RESP2 and RESP3 (Redis 7 sends them as pushes,
 * which CLIENT REPLY does not silence); a SKIP is used up by the SUBSCRIBE, so the command after it is answered.
 */
@ExtendWith(RedisGroup.class)
class PushRepliesIT {

    @ParameterizedTest(name = "RESP{0}, CLIENT REPLY {1}")
    @CsvSource({"2, OFF", "3, OFF", "3, SKIP"})
    void aSubscriberHearsItsConfirmationsAndMessagesWhateverClientReplySays(int protocol, String mode, RedisGroup group)
            throws Exception {
        List<String> direct =
                transcript(group.master().address().port(), group.master().client(), protocol, mode, "push:direct");
        try (RunningProxy proxy = RunningProxy.start(group)) {
            assertEquals(
                    direct,
                    transcript(proxy.port(), proxy.client(), protocol, mode, "push:viaprx").stream()
                            .map(reply -> reply.replace("push:viaprx", "push:direct"))
                            .toList());
        }
    }

    @ParameterizedTest(name = "CLIENT REPLY {0}")
    @CsvSource({"OFF", "SKIP"})
    void aTrackingClientHearsItsInvalidationsWhateverClientReplySays(String mode, RedisGroup group) throws Exception {
        List<String> direct =
                invalidations(group.master().address().port(), group.master().client(), mode, "track:direct");
        try (RunningProxy proxy = RunningProxy.start(group)) {
            assertEquals(
                    direct,
                    invalidations(proxy.port(), proxy.client(), mode, "track:viaprx").stream()
                            .map(reply -> reply.replace("track:viaprx", "track:direct"))
                            .toList());
        }
    }

    /** What a RESP3 tracking client on {@code port} receives after turning its replies off: the invalidation of a key it read. */
    private static List<String> invalidations(int port, Jedis writer, String mode, String key) throws IOException {
        List<String> replies = new ArrayList<>();
        try (RawClient tracker = new RawClient(port, 5_000);
                writer) {
            writer.set(key, "v1");
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            replies.add(tracker.readReply());
            tracker.send(RawClient.command("GET", key));
            replies.add(tracker.readReply());
            tracker.send(RawClient.command("CLIENT", "REPLY", mode));
            if (mode.equals("SKIP")) {
                tracker.send(RawClient.command("PING")); // the skipped command: no reply
            }
            writer.set(key, "v2");
            replies.add(tracker.readReply());
        }
        return replies;
    }

    /** What a subscriber on {@code port} receives: its confirmation, then (after SKIP) PING's answer, then a message. */
    private static List<String> transcript(int port, Jedis publisher, int protocol, String mode, String channel)
            throws IOException {
        List<String> replies = new ArrayList<>();
        try (RawClient subscriber = new RawClient(port, 5_000);
                publisher) {
            if (protocol == 3) {
                subscriber.send(RawClient.command("HELLO", "3"));
                subscriber.readReply(); // the server's description: its client id differs, so it is not compared
            }
            subscriber.send(RawClient.command("CLIENT", "REPLY", mode));
            subscriber.send(RawClient.command("SUBSCRIBE", channel));
            replies.add(subscriber.readReply());
            if (mode.equals("SKIP")) {
                subscriber.send(RawClient.command("PING"));
                replies.add(subscriber.readReply());
            }
            publisher.publish(channel, "hello");
            replies.add(subscriber.readReply());
        }
        return replies;
    }
}
