package org.redisfailover.app;

import picocli.CommandLine.Option;

/** How a command connects to ZooKeeper: its credentials (never on the command line itself) and TLS. */
final class ZkAuthOptions {

    @Option(
            names = "--zk-auth-file",
            paramLabel = "FILE",
            description =
                    "ZooKeeper credentials and role identities, one '<role> user:password' or '<role> digest:user:hash' per line "
                            + "(roles: monitor, proxy, reader); the znodes created get the roles' ACLs. Without it, "
                            + "REDIS_FAILOVER_ZK_AUTH in the environment (lines separated by ';'); without either, open ACLs.")
    String zkAuthFile;

    @Option(
            names = "--zk-tls",
            paramLabel = "yes|no",
            defaultValue = "no",
            description =
                    "Connect to ZooKeeper's secureClientPort over TLS (zookeeper.client.secure, the Netty socket) (default: ${DEFAULT-VALUE}).")
    String zkTls;

    @Option(
            names = "--zk-tls-ca-cert-file",
            paramLabel = "FILE",
            description = "PEM CAs trusted for ZooKeeper's certificate (default: the JDK's).")
    String zkTlsCaCertFile;

    @Option(
            names = "--zk-tls-cert-file",
            paramLabel = "FILE",
            description = "PEM client certificate for ZooKeeper's ssl.clientAuth.")
    String zkTlsCertFile;

    @Option(names = "--zk-tls-key-file", paramLabel = "FILE", description = "Its private key (unencrypted PKCS#8 PEM).")
    String zkTlsKeyFile;

    @Option(
            names = "--zk-tls-verify-hostname",
            paramLabel = "yes|no",
            defaultValue = "yes",
            description = "Check that ZooKeeper's certificate names the host connected to (default: ${DEFAULT-VALUE}).")
    String zkTlsVerifyHostname;

    /** The credentials and ACLs, and TLS when asked for. */
    ZkAccess access() {
        ZkAccess access = credentials();
        boolean verifyHostname = Secrets.yesNo("zk-tls-verify-hostname", zkTlsVerifyHostname);
        if (!Secrets.yesNo("zk-tls", zkTls)) {
            if (zkTlsCaCertFile != null || zkTlsCertFile != null || zkTlsKeyFile != null) {
                throw new IllegalArgumentException("zk-tls-*-file given but zk-tls is no");
            }
            return access;
        }
        return access.withTls(ZkTls.clientConfig(
                Secrets.pathOrNull(zkTlsCaCertFile),
                Secrets.pathOrNull(zkTlsCertFile),
                Secrets.pathOrNull(zkTlsKeyFile),
                verifyHostname));
    }

    private ZkAccess credentials() {
        if (zkAuthFile != null) {
            return ZkAccess.parse("zk-auth-file", Secrets.readFile("zk-auth-file", zkAuthFile));
        }
        String fromEnvironment = Secrets.fromEnvironment("REDIS_FAILOVER_ZK_AUTH");
        return fromEnvironment == null ? ZkAccess.OPEN : ZkAccess.parse("REDIS_FAILOVER_ZK_AUTH", fromEnvironment);
    }
}
