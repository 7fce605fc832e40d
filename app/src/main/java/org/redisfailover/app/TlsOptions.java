package org.redisfailover.app;

import java.util.Arrays;
import java.util.List;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.tls.ListenerTls;
import picocli.CommandLine.Option;

/** The proxy's TLS port for clients, named after Redis' tls-port settings. */
final class TlsOptions {

    @Option(
            names = "--tls-listen",
            paramLabel = "HOST:PORT",
            description =
                    "Also accept TLS clients here, beside the plain --listen (as Redis' tls-port beside port) (default: off).")
    String tlsListen;

    @Option(
            names = "--tls-cert-file",
            paramLabel = "FILE",
            description = "The proxy's PEM certificate chain; re-read on reload.")
    String tlsCertFile;

    @Option(
            names = "--tls-key-file",
            paramLabel = "FILE",
            description =
                    "Its private key (unencrypted PEM: PKCS#8, PKCS#1 or SEC1); re-read on reload, and refused with the running one kept unless it is the certificate's.")
    String tlsKeyFile;

    @Option(
            names = "--tls-ca-cert-file",
            paramLabel = "FILE",
            description = "PEM CAs whose client certificates are accepted; needed unless --tls-auth-clients no.")
    String tlsCaCertFile;

    @Option(
            names = "--tls-auth-clients",
            paramLabel = "yes|no|optional",
            defaultValue = "yes",
            description =
                    "Whether TLS clients must show a certificate the CA signed: yes (Redis' default), no, or optional "
                            + "(a certificate shown must still be valid) (default: ${DEFAULT-VALUE}).")
    String tlsAuthClients;

    @Option(
            names = "--tls-protocols",
            paramLabel = "LIST",
            defaultValue = "TLSv1.2,TLSv1.3",
            description = "TLS versions offered, comma separated (default: ${DEFAULT-VALUE}).")
    String tlsProtocols;

    @Option(
            names = "--tls-ciphers",
            paramLabel = "LIST",
            description =
                    "Cipher suites allowed, comma separated IANA names (TLSv1.2 and TLSv1.3 ones alike) (default: the provider's).")
    String tlsCiphers;

    /** The TLS port's settings, or null without --tls-listen (when no other tls-* file may be given). */
    ListenerTls tls() {
        if (tlsListen == null) {
            if (tlsCertFile != null || tlsKeyFile != null || tlsCaCertFile != null) {
                throw new IllegalArgumentException("tls-cert-file, tls-key-file and tls-ca-cert-file need tls-listen");
            }
            return null;
        }
        NodeAddress listen;
        try {
            listen = NodeAddress.parse(tlsListen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls-listen: " + e.getMessage());
        }
        return new ListenerTls(
                listen,
                Secrets.pathOrNull(tlsCertFile),
                Secrets.pathOrNull(tlsKeyFile),
                Secrets.pathOrNull(tlsCaCertFile),
                ListenerTls.AuthClients.parse(tlsAuthClients),
                list(tlsProtocols),
                list(tlsCiphers));
    }

    private static List<String> list(String value) {
        return value == null
                ? List.of()
                : Arrays.stream(value.split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
    }
}
