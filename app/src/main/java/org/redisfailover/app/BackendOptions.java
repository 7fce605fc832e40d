package org.redisfailover.app;

import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.tls.BackendTls;
import picocli.CommandLine.Option;

/**
 * How the proxy and the monitor log in to the Redis nodes, shared by {@code proxy} and {@code monitor}:
 * both must get through the same requirepass, ACL user and TLS port.
 */
final class BackendOptions {

    @Option(names = "--backend-user", description = "ACL user the proxy and the monitor authenticate as to Redis.")
    String backendUser;

    @Option(
            names = "--backend-password",
            description =
                    "Password for Redis; better --backend-password-file or REDIS_FAILOVER_BACKEND_PASSWORD in the environment, "
                            + "used in that order when this is absent (a password here shows in the process list).")
    String backendPassword;

    @Option(
            names = "--backend-password-file",
            paramLabel = "FILE",
            description = "A file holding the password for Redis (its first line).")
    String backendPasswordFile;

    @Option(
            names = "--backend-tls",
            paramLabel = "yes|no",
            defaultValue = "no",
            description = "Speak TLS to the Redis nodes (their tls-port) (default: ${DEFAULT-VALUE}).")
    String backendTls;

    @Option(
            names = "--backend-tls-ca-cert-file",
            paramLabel = "FILE",
            description = "PEM CAs trusted to sign the nodes' certificates (default: the JDK's trust store).")
    String backendTlsCaCertFile;

    @Option(
            names = "--backend-tls-cert-file",
            paramLabel = "FILE",
            description =
                    "PEM client certificate shown to Redis (needed with Redis' tls-auth-clients yes, its default).")
    String backendTlsCertFile;

    @Option(
            names = "--backend-tls-key-file",
            paramLabel = "FILE",
            description = "Its private key (unencrypted PEM: PKCS#8, PKCS#1 or SEC1; checked against the certificate).")
    String backendTlsKeyFile;

    @Option(
            names = "--backend-tls-verify-hostname",
            paramLabel = "yes|no",
            defaultValue = "yes",
            description =
                    "Check that each node's certificate names the host it is reached at; no: any certificate the CA "
                            + "signed (default: ${DEFAULT-VALUE}).")
    String backendTlsVerifyHostname;

    /** The password: the flag, else the file, else the environment; null for none. */
    String password() {
        if (backendPassword != null) {
            return backendPassword;
        }
        if (backendPasswordFile != null) {
            return Secrets.fromFile("backend-password-file", backendPasswordFile);
        }
        return Secrets.fromEnvironment("REDIS_FAILOVER_BACKEND_PASSWORD");
    }

    /** TLS to the nodes, or null with --backend-tls no (when no backend-tls-* file may be given). */
    BackendTls tls() {
        boolean verifyHostname = Secrets.yesNo("backend-tls-verify-hostname", backendTlsVerifyHostname);
        if (!Secrets.yesNo("backend-tls", backendTls)) {
            if (backendTlsCaCertFile != null || backendTlsCertFile != null || backendTlsKeyFile != null) {
                throw new IllegalArgumentException("backend-tls-*-file given but backend-tls is no");
            }
            return null;
        }
        return new BackendTls(
                Secrets.pathOrNull(backendTlsCaCertFile),
                Secrets.pathOrNull(backendTlsCertFile),
                Secrets.pathOrNull(backendTlsKeyFile),
                verifyHostname);
    }

    /** What the monitor needs: the same login and TLS as the proxy's backend connections. */
    NodeAccess access() {
        return new NodeAccess(backendUser, password(), tls());
    }
}
