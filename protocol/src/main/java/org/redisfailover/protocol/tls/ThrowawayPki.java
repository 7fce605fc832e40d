package org.redisfailover.protocol.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;

/**
 * A throw-away PKI made with the openssl command line, for the demo's TLS mode and the tests: a CA, a
 * certificate for 127.0.0.1/localhost (servers and the replication links between them), a client
 * certificate, and a second CA with a client certificate of its own that nobody here trusts. EC P-256
 * keys, PKCS#8 PEM, valid two days. Never for production: the CA's key sits next to the certificates.
 */
public final class ThrowawayPki {

    public final Path dir;
    public final Path caCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;
    /** A client certificate signed by a CA no test trusts. */
    public final Path strangerCert;

    public final Path strangerKey;
    private final SSLSocketFactory[] factories = new SSLSocketFactory[2];

    private ThrowawayPki(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.crt");
        this.serverCert = dir.resolve("server.crt");
        this.serverKey = dir.resolve("server.key");
        this.clientCert = dir.resolve("client.crt");
        this.clientKey = dir.resolve("client.key");
        this.strangerCert = dir.resolve("stranger.crt");
        this.strangerKey = dir.resolve("stranger.key");
    }

    /** Generates everything in {@code dir} (created if missing). */
    public static ThrowawayPki generate(Path dir) {
        ThrowawayPki certificates = new ThrowawayPki(dir);
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    dir.resolve("server.ext"),
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\n" + "extendedKeyUsage=serverAuth,clientAuth\n",
                    StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        certificates.authority("ca");
        certificates.authority("other-ca");
        certificates.issue("server", "localhost", "ca", "server.ext");
        certificates.issue("client", "redis-failover-client", "ca", "client.ext");
        certificates.issue("stranger", "stranger", "other-ca", "client.ext");
        return certificates;
    }

    /** Issues another certificate for 127.0.0.1 from the same CA (a rotation), as {@code name}.crt/.key. */
    public Path[] reissueServer(String name) {
        issue(name, "localhost-" + name, "ca", "server.ext");
        return new Path[] {dir.resolve(name + ".crt"), dir.resolve(name + ".key")};
    }

    /** A socket factory that trusts the CA and, when asked, shows the client certificate. */
    public synchronized SSLSocketFactory socketFactory(boolean withClientCertificate) {
        int index = withClientCertificate ? 1 : 0;
        if (factories[index] == null) {
            BackendTls tls = new BackendTls(
                    caCert, withClientCertificate ? clientCert : null, withClientCertificate ? clientKey : null, true);
            factories[index] = tls.jdkContext().getSocketFactory();
        }
        return factories[index];
    }

    /** The TLS arguments of a redis-server using these certificates (tls-auth-clients yes, Redis' default). */
    public List<String> redisArgs() {
        return List.of(
                "--tls-cert-file",
                serverCert.toString(),
                "--tls-key-file",
                serverKey.toString(),
                "--tls-ca-cert-file",
                caCert.toString(),
                "--tls-auth-clients",
                "yes",
                "--tls-replication",
                "yes");
    }

    private void authority(String name) {
        openssl(
                "req",
                "-x509",
                "-new",
                "-nodes",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-keyout",
                name + ".key",
                "-out",
                name + ".crt",
                "-days",
                "2",
                "-subj",
                "/CN=redis-failover test " + name);
    }

    private void issue(String name, String commonName, String authority, String extensions) {
        openssl(
                "req",
                "-new",
                "-nodes",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-keyout",
                name + ".key",
                "-out",
                name + ".csr",
                "-subj",
                "/CN=" + commonName);
        openssl(
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                authority + ".crt",
                "-CAkey",
                authority + ".key",
                "-CAcreateserial",
                "-out",
                name + ".crt",
                "-days",
                "2",
                "-extfile",
                extensions);
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args)
                        + " failed (needs the openssl command; " + "Debian: apt-get install -y openssl): " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("openssl not found (Debian: apt-get install -y openssl)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
