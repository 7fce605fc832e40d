package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.tls.ListenerTls;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;

/**
 * Research table C, differentially: the same bytes sent to redis-server directly and through the proxy
 * must give the same reply bytes and the same decision to close the connection. (Cases where the proxy
 * is deliberately stricter than Redis are unit-tested in RespRequestDecoderTest.)
 */
@ExtendWith(RedisGroup.class)
class ProtocolDifferentialIT {

    private static RunningProxy proxy;
    private static int redisPort;
    private static ThrowawayPki certificates;

    @BeforeAll
    static void start(RedisGroup group, @TempDir Path dir) {
        certificates = ThrowawayPki.generate(dir);
        proxy = RunningProxy.start(
                group,
                config -> config.tls(new ListenerTls(
                        new NodeAddress("127.0.0.1", 0),
                        certificates.serverCert,
                        certificates.serverKey,
                        certificates.caCert,
                        ListenerTls.AuthClients.YES,
                        ListenerTls.DEFAULT_PROTOCOLS,
                        List.of())));
        redisPort = group.master().port();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    /** A client of loopback {@code port}, over TLS (with the client certificate) when asked. */
    private static RawClient connect(int port, boolean tls) throws IOException {
        if (!tls) {
            return new RawClient(port, 10_000);
        }
        return new RawClient(certificates.socketFactory(true).createSocket("127.0.0.1", port), 10_000);
    }

    /**
     * Sends {@code input}, then an ECHO of a unique marker, and returns everything up to the marker's
     * reply (exclusive), or up to the close, marked "<closed>". No timing involved.
     */
    private static String exchange(int port, String input) throws IOException {
        return exchange(port, false, input);
    }

    private static String exchange(int port, boolean tls, String input) throws IOException {
        String marker = UUID.randomUUID().toString();
        try (RawClient client = connect(port, tls)) {
            client.send(input);
            try {
                client.send(RawClient.command("ECHO", marker));
            } catch (IOException closedAlready) {
                // the peer closed before the marker could be sent; the replies are still readable
            }
            StringBuilder replies = new StringBuilder();
            while (true) {
                String reply;
                try {
                    reply = client.readReply();
                } catch (SocketTimeoutException hung) {
                    // Redis answers the marker or closes: a peer that does neither is a failure, not a match.
                    throw new AssertionError("no reply within 10 s on port " + port + " after " + replies, hung);
                } catch (IOException reset) {
                    return replies + "<closed>";
                }
                if (reply == null) {
                    return replies + "<closed>";
                }
                if (reply.equals("$" + marker.length() + "\r\n" + marker + "\r\n")) {
                    return replies.toString();
                }
                replies.append(reply);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void proxyAnswersAsRedisDoes(String input) throws IOException {
        assertEquals(exchange(redisPort, input), exchange(proxy.port(), input));
    }

    /** The same table on the proxy's TLS port: TLS changes nothing of what the bytes inside it get. */
    @ParameterizedTest
    @MethodSource("inputs")
    void proxyAnswersAsRedisDoesOnItsTlsPort(String input) throws IOException {
        assertEquals(
                exchange(redisPort, input),
                exchange(proxy.server().boundTlsAddress().port(), true, input));
    }

    static Stream<String> inputs() {
        return Stream.of(
                "\r\n", // C1
                "*0\r\n", // C2
                "*-10\r\n", // C3
                "*3000000000\r\n", // C4
                "*2147483648\r\n", // C5
                "*+1\r\n",
                "*01\r\n",
                "* 1\r\n",
                "*1 \r\n",
                "*-0\r\n",
                "*\r\n", // C6
                "*1\r\nfoo\r\n", // C7
                "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", // C8
                "*1\r\n*1\r\n$4\r\nPING\r\n", // C9
                "*1\r\n:1\r\n", // C10
                "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", // C11
                "*1\r\n$-1\r\n", // C12
                "*2\r\n$3\r\nGET\r\n$2000000000\r\n", // C13
                "*2\r\n$3\r\nGET\r\n$blabla\r\n",
                "*2\r\n$3\r\nGET\r\n$04\r\n",
                "*2\r\n$3\r\nGET\r\n$+4\r\n", // C15
                "*2\r\n$3\r\nGET\r\n$9223372036854775807\r\n", // C16
                "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", // C21
                "*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n", // C22
                "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", // C23
                "*1\r\n$0\r\n\r\n", // C24
                "set \"\"\"test-key\"\"\" test-value\r\n", // C29
                "GET \"foo\"bar\r\n", // C30
                "GET \"x\\x4\"\r\n", // C31
                "ECHO \"\\x41\"\r\n", // C32
                "POST / HTTP/1.1\r\nHost: x\r\n\r\n", // C33
                "_\r\n",
                "%1\r\n",
                "~1\r\n", // C34
                "HELLO 4\r\n",
                "HELLO abc\r\n", // C41
                "MSET k1\r\n", // C45
                "QUIT\r\n", // C47
                "PING\r\n",
                "PING hello\r\n",
                "PING a b\r\n",
                "ECHO\r\n",
                "SELECT 99\r\n",
                "SELECT x\r\n",
                "SELECT 1\r\nSELECT 0\r\n",
                "NOSUCHCOMMAND a b\r\n",
                "CLIENT GETNAME\r\n",
                "CLIENT SETNAME \"a b\"\r\n",
                "EXEC\r\n",
                "DISCARD\r\n",
                "UNWATCH\r\n",
                "RESET\r\n",
                "GET\r\n");
    }
}
