package org.redisfailover.app;

import java.nio.file.Path;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import org.redisfailover.protocol.tls.CertifiedKey;
import org.redisfailover.protocol.tls.TlsFiles;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.admin.AdminAccess;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import picocli.CommandLine.Option;

/** The admin HTTP endpoint's options, the same for the proxy and the standalone monitor. */
final class AdminOptions {

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            description =
                    "Serve the admin HTTP endpoint (/health, /ready, /topology, /events, /metrics, and for the proxy POST /reload) "
                            + "here; keep it on loopback or a management network (default: off).")
    String admin;

    @Option(
            names = "--admin-token-file",
            paramLabel = "FILE",
            description =
                    "A file holding the admin endpoint's bearer token: every path but /health and /ready then needs "
                            + "'Authorization: Bearer <token>'. Without it (or REDIS_FAILOVER_ADMIN_TOKEN in the environment), /topology, "
                            + "/events and /reload are served on a loopback --admin address only.")
    String adminTokenFile;

    @Option(
            names = "--admin-tls-cert-file",
            paramLabel = "FILE",
            description =
                    "Serve the admin endpoint over HTTPS with this PEM certificate chain (with --admin-tls-key-file).")
    String adminTlsCertFile;

    @Option(
            names = "--admin-tls-key-file",
            paramLabel = "FILE",
            description = "Its private key (unencrypted PEM: PKCS#8, PKCS#1 or SEC1; checked against the certificate).")
    String adminTlsKeyFile;

    /** Where to serve it, or null when off. */
    NodeAddress address() {
        if (admin == null) {
            return null;
        }
        try {
            return NodeAddress.parse(admin);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("admin: " + e.getMessage());
        }
    }

    /** The admin token from --admin-token-file, else from REDIS_FAILOVER_ADMIN_TOKEN; without either, loopback rules. */
    AdminAccess access() {
        String token = adminTokenFile != null
                ? Secrets.fromFile("admin-token-file", adminTokenFile)
                : Secrets.fromEnvironment("REDIS_FAILOVER_ADMIN_TOKEN");
        return token == null ? AdminAccess.withoutToken() : AdminAccess.withToken(token);
    }

    /** HTTPS for the admin endpoint, or null for plain HTTP. */
    SSLContext tls() {
        if (adminTlsCertFile == null && adminTlsKeyFile == null) {
            return null;
        }
        if (adminTlsCertFile == null || adminTlsKeyFile == null || admin == null) {
            throw new IllegalArgumentException("admin-tls-cert-file and admin-tls-key-file go together, with admin");
        }
        return TlsFiles.jdkServerContext("admin-tls", Path.of(adminTlsCertFile), Path.of(adminTlsKeyFile));
    }

    /** The HTTPS certificate's expiry, as tls_certificate_expiry_seconds{certificate="admin-tls"}. */
    void exportExpiry(ProxyMetrics metrics) {
        if (adminTlsCertFile != null) {
            Instant notAfter = CertifiedKey.certificates("admin-tls-cert-file", Path.of(adminTlsCertFile))[0]
                    .getNotAfter()
                    .toInstant();
            metrics.certificateExpiry("admin-tls", () -> notAfter);
        }
    }
}
