package org.redisfailover.protocol.tls;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/** What every TLS setting of the project shares: PEM files checked with the key that named them, and the provider. */
public final class TlsFiles {

    private TlsFiles() {}

    /** BoringSSL through netty-tcnative where it loads (much cheaper handshakes and records), else the JDK's. */
    public static SslProvider bestProvider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The provider's name, for the start-up log line. */
    public static String providerName(SslProvider provider) {
        return provider == SslProvider.OPENSSL ? OpenSsl.versionString() : "JDK " + System.getProperty("java.version");
    }

    /** Throws unless {@code file} (named by {@code key}) is a readable regular file. */
    public static void requireReadable(String key, Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(key + ": cannot read " + file);
        }
    }

    /**
     * Checks the files of a TLS client named {@code prefix} ({@code backend-tls}, {@code zk-tls}): each given one
     * readable, and a certificate exactly when a key, the keys named {@code <prefix>-ca-cert-file},
     * {@code <prefix>-cert-file} and {@code <prefix>-key-file}.
     */
    public static void requireClientFiles(String prefix, Path caCertFile, Path certFile, Path keyFile) {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(prefix + "-cert-file and " + prefix + "-key-file go together");
        }
        if (caCertFile != null) {
            requireReadable(prefix + "-ca-cert-file", caCertFile);
        }
        if (certFile != null) {
            requireReadable(prefix + "-cert-file", certFile);
            requireReadable(prefix + "-key-file", keyFile);
        }
    }

    /** Builds the context, turning the builder's exceptions into one that names the files. */
    public static SslContext build(String what, SslContextBuilder builder) {
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException(
                    what + ": " + e.getMessage() + (cause != e ? " (" + cause.getMessage() + ")" : ""));
        }
    }

    /** A JDK server context from a PEM certificate chain and key (the admin endpoint's HTTPS). */
    public static SSLContext jdkServerContext(String what, Path certFile, Path keyFile) {
        CertifiedKey server = CertifiedKey.read(what, certFile, keyFile);
        SslContext context = build(
                what, SslContextBuilder.forServer(server.key(), server.chain()).sslProvider(SslProvider.JDK));
        return ((JdkSslContext) context).context();
    }
}
