package org.redisfailover.app;

import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Where the replication group lives in ZooKeeper, for the commands that only talk to ZooKeeper (-z, -p as the Python monitor). */
final class ZooKeeperOptions {

    @Option(names = {"-z", "--zk"}, paramLabel = "HOSTS", required = true, description = "ZooKeeper connect string (host:port,...).")
    String zk;

    @Option(names = {"-p", "--zk-path"}, paramLabel = "PATH", defaultValue = "/redis-failover",
            description = "ZooKeeper root of the replication group (default: ${DEFAULT-VALUE}).")
    String zkPath;

    @CommandLine.Mixin
    ZkAuthOptions auth = new ZkAuthOptions();

    /** The credentials and ACLs, from --zk-auth-file or the environment. */
    ZkAccess access() {
        return auth.access();
    }

    ZkLayout layout() {
        return new ZkLayout(zkPath);
    }
}
