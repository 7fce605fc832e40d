package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;

/**
 * The session's own answers, through the real pipeline on an EmbeddedChannel, input fed one byte at a
 * time. Nothing here reaches a backend: the master address is never connected to.
 */
class ClientSessionTest {

    private EmbeddedClient client;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        ProxyConfig config =
                ProxyConfig.defaults(new NodeAddress("127.0.0.1", 0), new NodeAddress("127.0.0.1", 1), List.of());
        client = new EmbeddedClient(config, new Topology(1, config.master(), config.replicas()));
        channel = client.channel;
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    private String exchange(String input) {
        return client.exchange(input);
    }

    private String exchangeWhole(String input) {
        return client.exchangeWhole(input);
    }

    @Test
    void localCommandsAnswerInOrder() {
        assertEquals(
                "+PONG\r\n$2\r\nhi\r\n+OK\r\n+OK\r\n$2\r\nme\r\n$3\r\nabc\r\n",
                exchange(
                        "PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nSELECT 2\r\nCLIENT SETNAME me\r\nCLIENT GETNAME\r\nPING abc\r\n"));
    }

    @Test
    void redisErrorsForBadLocalCommands() {
        assertEquals("-ERR wrong number of arguments for 'echo' command\r\n", exchange("ECHO\r\n"));
        assertEquals("-ERR DB index is out of range\r\n", exchange("SELECT 16\r\n"));
        assertEquals("-ERR value is not an integer or out of range\r\n", exchange("SELECT one\r\n"));
        assertEquals(
                "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
                exchange("CLIENT SETNAME \"a b\"\r\n"));
        assertEquals("-NOPROTO unsupported protocol version\r\n", exchange("HELLO 4\r\n"));
        assertEquals("-ERR Syntax error in HELLO option 'bogus'\r\n", exchange("HELLO 2 bogus\r\n"));
    }

    @Test
    void resetRestoresDatabaseZeroAndForgetsTheName() {
        assertEquals(
                "+OK\r\n+OK\r\n+RESET\r\n$-1\r\n",
                exchange("SELECT 3\r\nCLIENT SETNAME x\r\nRESET\r\nCLIENT GETNAME\r\n"));
    }

    @Test
    void clientReplyOffAndSkipLeaveRepliesUnwrittenAsRedisDoes() {
        assertEquals("+PONG\r\n", exchange("CLIENT REPLY SKIP\r\nPING\r\nPING\r\n"));
        assertEquals(
                "+OK\r\n$1\r\nb\r\n", exchange("CLIENT REPLY OFF\r\nPING\r\nECHO a\r\nCLIENT REPLY ON\r\nECHO b\r\n"));
        assertEquals("-ERR syntax error\r\n", exchange("CLIENT REPLY MAYBE\r\n"));
    }

    @Test
    void clientIdAndInfoDescribeTheConnectionToTheProxy() {
        String id = exchange("CLIENT ID\r\n");
        assertTrue(id.matches(":[1-9][0-9]*\r\n"), id);
        String info = exchange("CLIENT SETNAME worker\r\nSELECT 2\r\nCLIENT INFO\r\n");
        assertTrue(info.contains("id=" + id.substring(1, id.length() - 2) + " "), info);
        assertTrue(
                info.contains(" name=worker ") && info.contains(" db=2 ") && info.contains(" cmd=client|info "), info);
    }

    /** CLIENT SETINFO is the client's own, as in Redis 7.2: forwarded on a shared connection it would name every client's library. */
    @Test
    void clientSetinfoIsKeptPerClientAndAnsweredAsRedisAnswersIt() {
        assertEquals(
                "+OK\r\n+OK\r\n", exchange("CLIENT SETINFO lib-name redis-py\r\nCLIENT SETINFO LIB-VER 5.0.1\r\n"));
        assertTrue(exchange("CLIENT INFO\r\n").contains(" lib-name=redis-py lib-ver=5.0.1\n"));
        assertEquals(
                "-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n",
                exchange("CLIENT SETINFO LIB-NAME \"a b\"\r\n"));
        assertEquals("-ERR Unrecognized option 'lib'\r\n", exchange("CLIENT SETINFO lib x\r\n"));
        assertEquals(
                "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
                exchange("CLIENT SETINFO lib-name\r\n"));
        assertEquals("+OK\r\n", exchange("CLIENT SETINFO lib-name \"\"\r\n"));
        assertTrue(exchange("CLIENT INFO\r\n").contains(" lib-name= lib-ver=5.0.1\n"));
        try (EmbeddedClient other = new EmbeddedClient(
                ProxyConfig.defaults(new NodeAddress("127.0.0.1", 0), new NodeAddress("127.0.0.1", 1), List.of()),
                new Topology(1, new NodeAddress("127.0.0.1", 1), List.of()))) {
            assertTrue(
                    other.exchange("CLIENT INFO\r\n").contains(" lib-name= lib-ver=\n"), "another client's is its own");
        }
    }

    @Test
    void refusalsNameTheCommandAndTheReason() {
        assertEquals(
                "-ERR SHUTDOWN is not allowed through redis-failover: SHUTDOWN stops a server the proxy routes to; "
                        + "stop Redis outside the proxy\r\n",
                exchange("SHUTDOWN\r\n"));
        assertEquals("-ERR EXEC without MULTI\r\n+OK\r\n", exchange("EXEC\r\nUNWATCH\r\n"));
        assertTrue(exchange("CLIENT TRACKING on\r\n").startsWith("-ERR redis-failover: CLIENT TRACKING needs RESP3"));
        assertTrue(exchange("CLIENT TRACKING on REDIRECT 7\r\n")
                .startsWith("-ERR redis-failover: CLIENT TRACKING REDIRECT is not supported"));
        assertTrue(channel.isActive());
    }

    @Test
    void quitAnswersThenCloses() {
        assertEquals("+PONG\r\n+OK\r\n", exchange("PING\r\nQUIT\r\nPING\r\n"));
        assertFalse(channel.isActive());
    }

    @Test
    void requestsPipelinedAfterQuitAreNotAnswered() {
        assertEquals("+PONG\r\n+OK\r\n", exchangeWhole("PING\r\nQUIT\r\nPING\r\nECHO x\r\n"));
        assertFalse(channel.isActive());
    }

    @Test
    void protocolErrorAnswersThenCloses() {
        assertEquals("+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n", exchange("PING\r\n*x\r\nPING\r\n"));
        assertFalse(channel.isActive());
    }

    @Test
    void httpLookingInputClosesWithoutReply() {
        assertEquals("", exchange("POST / HTTP/1.1\r\n"));
        assertFalse(channel.isActive());
    }
}
