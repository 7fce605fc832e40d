package org.redisfailover.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a command finds its ZooKeeper credentials: never on the command line itself. */
final class ZkAuthOptions {

    @Option(names = "--zk-auth-file", paramLabel = "FILE",
            description = "ZooKeeper credentials and role identities, one '<role> user:password' or '<role> digest:user:hash' per line "
                    + "(roles: monitor, proxy, reader); the znodes created get the roles' ACLs. Without it, "
                    + "REDIS_FAILOVER_ZK_AUTH in the environment (lines separated by ';'); without either, open ACLs.")
    String zkAuthFile;

    ZkAccess access() {
        if (zkAuthFile != null) {
            try {
                return ZkAccess.parse("zk-auth-file", Files.readString(Path.of(zkAuthFile), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalArgumentException("zk-auth-file: cannot read " + zkAuthFile + " (" + e.getMessage() + ")");
            }
        }
        String fromEnvironment = Secrets.fromEnvironment("REDIS_FAILOVER_ZK_AUTH");
        return fromEnvironment == null ? ZkAccess.OPEN : ZkAccess.parse("REDIS_FAILOVER_ZK_AUTH", fromEnvironment);
    }
}
