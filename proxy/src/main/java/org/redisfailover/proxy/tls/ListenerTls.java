package org.redisfailover.proxy.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.redisfailover.protocol.tls.CertifiedKey;
import org.redisfailover.protocol.tls.TlsFiles;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * The proxy's TLS port, named after Redis' own settings ({@code tls-port}, {@code tls-cert-file}, ...).
 *
 * @param listen      where TLS clients connect (beside the plain --listen, as Redis' tls-port beside port)
 * @param certFile    the proxy's PEM certificate chain
 * @param keyFile     its private key, unencrypted PEM (PKCS#8, PKCS#1 or SEC1)
 * @param caCertFile  PEM bundle of the CAs whose client certificates are accepted; needed unless authClients is NO
 * @param authClients whether clients must show a certificate (Redis' tls-auth-clients; Redis' default: yes)
 * @param protocols   TLS versions offered (TLSv1.2, TLSv1.3)
 * @param ciphers     cipher suites allowed, by their IANA names; empty: the provider's defaults
 */
public record ListenerTls(
        NodeAddress listen,
        Path certFile,
        Path keyFile,
        Path caCertFile,
        AuthClients authClients,
        List<String> protocols,
        List<String> ciphers) {

    /** Redis' tls-auth-clients values. */
    public enum AuthClients {
        YES(ClientAuth.REQUIRE),
        NO(ClientAuth.NONE),
        OPTIONAL(ClientAuth.OPTIONAL);

        final ClientAuth netty;

        AuthClients(ClientAuth netty) {
            this.netty = netty;
        }

        public static AuthClients parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tls-auth-clients: " + value + " (expected: yes, no or optional)");
            }
        }
    }

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

    public ListenerTls {
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        if (certFile == null || keyFile == null) {
            throw new IllegalArgumentException("tls-listen needs tls-cert-file and tls-key-file");
        }
        if (caCertFile != null) {
            TlsFiles.requireReadable("tls-ca-cert-file", caCertFile);
        } else if (authClients != AuthClients.NO) {
            throw new IllegalArgumentException(
                    "tls-auth-clients " + authClients.name().toLowerCase(Locale.ROOT)
                            + " needs tls-ca-cert-file (the CAs whose client certificates are accepted), or tls-auth-clients no");
        }
        for (String protocol : protocols) {
            if (!DEFAULT_PROTOCOLS.contains(protocol)) {
                throw new IllegalArgumentException(
                        "tls-protocols: " + protocol + " (expected: TLSv1.2 and/or TLSv1.3)");
            }
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("tls-protocols: empty (expected: TLSv1.2 and/or TLSv1.3)");
        }
        CertifiedKey.read(
                "tls", certFile, keyFile); // a key that is not the certificate's is refused here, at start and reload
    }

    /**
     * A server context read from the files now: a reload builds a new one, and new connections get it. A key
     * that is not the certificate's is refused here, naming both files.
     */
    public SslContext newContext(SslProvider provider) {
        return newContext(provider, CertifiedKey.read("tls", certFile, keyFile));
    }

    /** As {@link #newContext(SslProvider)}, from the certificate and key already read. */
    public SslContext newContext(SslProvider provider, CertifiedKey served) {
        SslContextBuilder builder = SslContextBuilder.forServer(served.key(), served.chain())
                .sslProvider(provider)
                .clientAuth(authClients.netty)
                .protocols(protocols);
        if (caCertFile != null) {
            builder.trustManager(caCertFile.toFile());
        }
        if (!ciphers.isEmpty()) {
            builder.ciphers(ciphers);
        }
        return TlsFiles.build("tls-cert-file/tls-key-file", builder);
    }
}
