package org.redisfailover.protocol.tls;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * TLS to the Redis nodes (a Redis started with {@code tls-port}), as the proxy's backend connections and
 * the monitor's probes and commands speak it.
 *
 * @param caCertFile     PEM bundle of the CAs trusted to sign the nodes' certificates; null: the JDK's trust store
 * @param certFile       PEM client certificate, for a Redis with {@code tls-auth-clients yes}; null: none
 * @param keyFile        its private key (unencrypted PEM: PKCS#8, PKCS#1 or SEC1); null exactly when {@code certFile} is
 * @param verifyHostname check that a node's certificate names the host the topology gives for it; off, any
 *                       certificate a trusted CA signed is accepted (nodes addressed by IPs missing from their certificates)
 */
public record BackendTls(Path caCertFile, Path certFile, Path keyFile, boolean verifyHostname) {

    public BackendTls {
        TlsFiles.requireClientFiles("backend-tls", caCertFile, certFile, keyFile);
        if (certFile != null) {
            CertifiedKey.read(
                    "backend-tls",
                    certFile,
                    keyFile); // refused at start, naming the files, not at the first connection
        }
    }

    /** A Netty context for the proxy's backend connections; the files are read now. */
    public SslContext nettyContext(SslProvider provider) {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .endpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
        if (caCertFile != null) {
            builder.trustManager(caCertFile.toFile());
        }
        if (certFile != null) {
            CertifiedKey client = CertifiedKey.read("backend-tls", certFile, keyFile);
            builder.keyManager(client.key(), client.chain());
        }
        return TlsFiles.build("backend TLS", builder);
    }

    /** The same as a JDK context, for blocking clients (the monitor's Jedis connections). */
    public SSLContext jdkContext() {
        return ((JdkSslContext) nettyContext(SslProvider.JDK)).context();
    }

    /** What a JDK socket needs besides the context: the host name check, when on. */
    public SSLParameters jdkParameters() {
        SSLParameters parameters = new SSLParameters();
        if (verifyHostname) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return parameters;
    }
}
