package org.redisfailover.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.redisfailover.protocol.tls.TlsFiles;

/**
 * TLS to ZooKeeper's {@code secureClientPort}: the client settings ZooKeeper's Netty socket reads
 * ({@code zookeeper.client.secure}), from PEM files as the other TLS settings take them.
 */
final class ZkTls {

    private ZkTls() {}

    /**
     * A client configuration trusting {@code caCertFile} (null: the JDK's trust store), showing the client
     * certificate when {@code certFile} and {@code keyFile} are given, checking the server's host name unless
     * told not to.
     */
    static ZKClientConfig clientConfig(Path caCertFile, Path certFile, Path keyFile, boolean verifyHostname) {
        TlsFiles.requireClientFiles("zk-tls", caCertFile, certFile, keyFile);
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        // Every location is set, empty when not given: ZKClientConfig would otherwise take zookeeper.ssl.*
        // system properties, and a JVM-wide key store would become this client's certificate unasked.
        try (ClientX509Util x509 = new ClientX509Util()) {
            config.setProperty(x509.getSslTruststoreLocationProperty(), "");
            config.setProperty(x509.getSslKeystoreLocationProperty(), "");
            if (caCertFile != null) {
                config.setProperty(x509.getSslTruststoreLocationProperty(), caCertFile.toString());
                config.setProperty(x509.getSslTruststoreTypeProperty(), "PEM");
            }
            if (certFile != null) {
                config.setProperty(
                        x509.getSslKeystoreLocationProperty(),
                        keyAndChain(certFile, keyFile).toString());
                config.setProperty(x509.getSslKeystoreTypeProperty(), "PEM");
            }
            config.setProperty(x509.getSslHostnameVerificationEnabledProperty(), Boolean.toString(verifyHostname));
        }
        return config;
    }

    /** ZooKeeper reads a PEM key store from one file holding the key and its chain: a private copy of both. */
    private static Path keyAndChain(Path certFile, Path keyFile) {
        try {
            Path combined = Files.createTempFile(
                    "redis-failover-zk-tls",
                    ".pem",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            combined.toFile().deleteOnExit();
            Files.writeString(
                    combined,
                    Files.readString(keyFile, StandardCharsets.US_ASCII) + "\n"
                            + Files.readString(certFile, StandardCharsets.US_ASCII),
                    StandardCharsets.US_ASCII);
            return combined;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the ZooKeeper TLS key store", e);
        }
    }
}
