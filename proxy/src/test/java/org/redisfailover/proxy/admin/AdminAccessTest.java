package org.redisfailover.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.Authenticator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.tls.BackendTls;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.tls.TlsFiles;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.TopologyHolder;

/** The admin endpoint's bearer token, on a real endpoint on loopback, and the rules off loopback. */
class AdminAccessTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static int status(int port, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (path.equals("/reload")) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void withATokenEveryPathButHealthAndReadyNeedsIt() throws Exception {
        TopologyHolder topology = new TopologyHolder(new Topology(1, new NodeAddress("127.0.0.1", 1), List.of()));
        try (AdminServer admin = AdminServer.start(
                new NodeAddress("127.0.0.1", 0),
                topology,
                ProxyMetrics.enabled(),
                null,
                null,
                AdminAccess.withToken("s3cret-token"))) {
            assertEquals(200, status(admin.port(), "/health", null));
            assertEquals(200, status(admin.port(), "/ready", null));
            for (String path : List.of("/topology", "/events", "/metrics", "/reload")) {
                assertEquals(401, status(admin.port(), path, null), path + " without the token");
                assertEquals(401, status(admin.port(), path, "Bearer wrong"), path + " with a wrong token");
                assertEquals(401, status(admin.port(), path, "Basic czNjcmV0LXRva2Vu"), path + " with another scheme");
            }
            assertEquals(200, status(admin.port(), "/topology", "Bearer s3cret-token"));
            assertEquals(200, status(admin.port(), "/metrics", "Bearer s3cret-token"));
            assertEquals(
                    404,
                    status(admin.port(), "/reload", "Bearer s3cret-token"),
                    "past the guard: nothing to reload here");
        }
    }

    @Test
    void withoutATokenTheSensitivePathsAreOpenOnLoopbackOnly() {
        AdminAccess open = AdminAccess.withoutToken();
        for (String host : List.of("127.0.0.1", "localhost", "::1")) {
            assertNull(open.guard("/topology", host), host);
            assertNull(open.guard("/reload", host), host);
        }
        for (String host : List.of("0.0.0.0", "10.1.2.3", "::")) {
            for (String path : List.of("/topology", "/events", "/reload")) {
                Authenticator guard = open.guard(path, host);
                assertNotNull(guard, path + " on " + host);
                assertEquals(403, ((Authenticator.Failure) guard.authenticate(null)).getResponseCode());
            }
            assertNull(open.guard("/metrics", host), "metrics stay scrapeable without a token");
            assertNull(open.guard("/ready", host));
            assertNull(open.guard("/health", host));
        }
    }

    @Test
    void aTokenIsOneWord() {
        assertThrows(IllegalArgumentException.class, () -> AdminAccess.withToken(" "));
        assertThrows(IllegalArgumentException.class, () -> AdminAccess.withToken("two words"));
    }

    @Test
    void theEndpointServesHttpsWithItsCertificateAndTheTokenStillApplies(@TempDir Path dir) throws Exception {
        ThrowawayPki certificates = ThrowawayPki.generate(dir);
        SSLContext tls = TlsFiles.jdkServerContext("admin-tls", certificates.serverCert, certificates.serverKey);
        TopologyHolder topology = new TopologyHolder(new Topology(1, new NodeAddress("127.0.0.1", 1), List.of()));
        HttpClient https = HttpClient.newBuilder()
                .sslContext(new BackendTls(certificates.caCert, null, null, true).jdkContext())
                .build();
        try (AdminServer admin = AdminServer.start(
                new NodeAddress("127.0.0.1", 0),
                topology,
                ProxyMetrics.enabled(),
                null,
                null,
                AdminAccess.withToken("s3cret-token"),
                tls)) {
            String base = "https://127.0.0.1:" + admin.port();
            assertEquals(
                    200,
                    https.send(
                                    HttpRequest.newBuilder(URI.create(base + "/health"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode());
            assertEquals(
                    401,
                    https.send(
                                    HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode());
            assertEquals(
                    200,
                    https.send(
                                    HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                            .header("Authorization", "Bearer s3cret-token")
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode());
            assertThrows(IOException.class, () -> status(admin.port(), "/health", null), "plain HTTP gets no answer");
        }
    }
}
