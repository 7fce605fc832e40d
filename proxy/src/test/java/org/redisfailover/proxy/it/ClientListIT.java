package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;

/**
 * CLIENT LIST and CLIENT INFO show each client of the proxy with its own connection state (name, library from
 * CLIENT SETINFO, subscriptions, user), with Redis' filters and errors and Redis' permission check; against
 * redis-server and valkey-server as the backend.
 */
class ClientListIT {

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private RedisProcess master;
    private RunningProxy proxy;

    static Stream<String> servers() {
        return Stream.of("redis-server", "valkey-server");
    }

    private void startGroup(String server) {
        assumeTrue(RedisProcess.onPath(server), server + " is not installed (scripts/test installs it)");
        master = RedisProcess.start(server, dir, null);
        opened.add(master);
        proxy = RunningProxy.start(master, List.of(), config -> config);
        opened.add(0, proxy);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    private RawClient client() throws IOException {
        RawClient client = RawClient.connect(proxy.port());
        opened.add(0, client);
        return client;
    }

    private static String id(RawClient client) throws IOException {
        return client.call("CLIENT", "ID").substring(1).strip();
    }

    private static List<String> lines(String bulk) {
        return bulk.lines().filter(line -> line.startsWith("id=")).toList();
    }

    @ParameterizedTest
    @MethodSource("servers")
    void eachClientIsListedWithItsOwnState(String server) throws Exception {
        startGroup(server);
        RawClient alpha = client();
        alpha.call("CLIENT", "SETNAME", "alpha");
        assertEquals("+OK\r\n", alpha.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py"));
        assertEquals("+OK\r\n", alpha.call("CLIENT", "SETINFO", "LIB-VER", "5.0.1"));
        RawClient beta = client();
        beta.call("CLIENT", "SETNAME", "beta");
        beta.call("SUBSCRIBE", "news");
        String alphaId = id(alpha);

        String info = alpha.call("CLIENT", "INFO");
        assertTrue(info.contains(" name=alpha ") && info.contains(" lib-name=redis-py lib-ver=5.0.1"), info);

        RawClient viewer = client();
        List<String> all = lines(viewer.call("CLIENT", "LIST"));
        assertEquals(3, all.size(), "the proxy's three clients, not its backend connections: " + all);
        String alphaLine = all.stream()
                .filter(line -> line.startsWith("id=" + alphaId + " "))
                .findFirst()
                .orElseThrow();
        assertTrue(alphaLine.contains(" name=alpha ") && alphaLine.contains(" lib-name=redis-py lib-ver=5.0.1"));
        String betaLine = all.stream()
                .filter(line -> line.contains(" name=beta "))
                .findFirst()
                .orElseThrow();
        assertTrue(betaLine.contains(" flags=P ") && betaLine.contains(" sub=1 "), betaLine);

        assertEquals(List.of(betaLine), lines(viewer.call("CLIENT", "LIST", "TYPE", "pubsub")));
        assertEquals(2, lines(viewer.call("CLIENT", "LIST", "TYPE", "normal")).size());
        assertEquals("$0\r\n\r\n", viewer.call("CLIENT", "LIST", "TYPE", "replica"));
        List<String> byId = lines(viewer.call("CLIENT", "LIST", "ID", alphaId, "999999"));
        assertEquals(1, byId.size());
        assertTrue(byId.get(0).startsWith("id=" + alphaId + " "));
        try (RawClient direct = RawClient.connect(master.port())) {
            for (String[] bad : List.of(
                    new String[] {"CLIENT", "LIST", "TYPE", "nosuch"},
                    new String[] {"CLIENT", "LIST", "ID", "abc"},
                    new String[] {"CLIENT", "LIST", "bogus"})) {
                assertEquals(direct.call(bad), viewer.call(bad), String.join(" ", bad));
            }
        }
    }

    /**
     * CLIENT NO-TOUCH (Redis 7.2, Valkey 8) and CLIENT NO-EVICT are modes of the client's connection: Redis checks
     * them (a server without NO-TOUCH answers as it answers directly), and the client then runs on a connection of
     * its own that has them, which the node lists with its flags; the client's CLIENT INFO shows them as Redis does.
     * CLIENT CAPA (Valkey 8) is accepted.
     */
    @ParameterizedTest
    @MethodSource("servers")
    void connectionModesRunOnAConnectionOfTheClientsOwn(String server) throws Exception {
        startGroup(server);
        RawClient client = client();
        String expected;
        try (RawClient direct = RawClient.connect(master.port())) {
            expected = direct.call("CLIENT", "NO-TOUCH", "ON");
        }
        assertEquals(expected, client.call("CLIENT", "NO-TOUCH", "ON"));
        boolean noTouch = expected.equals("+OK\r\n");
        assertEquals("+OK\r\n", client.call("CLIENT", "NO-EVICT", "ON"));
        assertEquals("+OK\r\n", client.call("SET", "k", "v"));
        String flags = noTouch ? "eT" : "e";
        assertTrue(client.call("CLIENT", "INFO").contains(" flags=" + flags + " "));
        try (RawClient direct = RawClient.connect(master.port())) {
            assertTrue(
                    lines(direct.call("CLIENT", "LIST")).stream()
                            .anyMatch(line -> line.contains(" flags=" + flags + " ")),
                    "the node has the client's connection with its modes");
        }
        assertEquals("+OK\r\n", client.call("CLIENT", "NO-EVICT", "OFF"));
        if (noTouch) {
            assertEquals("+OK\r\n", client.call("CLIENT", "NO-TOUCH", "OFF"));
        }
        assertTrue(client.call("CLIENT", "INFO").contains(" flags=N "));
        assertEquals("$1\r\nv\r\n", client.call("GET", "k"));
        assertEquals("+OK\r\n", client.call("CLIENT", "CAPA", "redirect"));
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aUserWithoutThePermissionIsRefusedAsRedisRefusesIt(String server) throws Exception {
        startGroup(server);
        RawClient admin = client();
        assertEquals("+OK\r\n", admin.call("ACL", "SETUSER", "plain", "on", ">pw", "~*", "+@all", "-client|list"));
        RawClient plain = client();
        assertEquals("+OK\r\n", plain.call("AUTH", "plain", "pw"));
        String refused = plain.call("CLIENT", "LIST");
        assertTrue(refused.startsWith("-NOPERM"), refused);
        assertTrue(plain.call("CLIENT", "INFO").contains(" user=plain "));
    }
}
