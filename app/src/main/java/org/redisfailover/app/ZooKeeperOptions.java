package org.redisfailover.app;

import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Where the replication group lives in ZooKeeper, for the commands that only talk to ZooKeeper (-z, -p as the Python monitor). */
final class ZooKeeperOptions {

    @Option(
            names = {"-z", "--zk"},
            paramLabel = "HOSTS",
            description =
                    "ZooKeeper connect string (host:port,...); required, here or as " + "'zk' in the --config file.")
    String zk;

    @Option(
            names = {"-p", "--zk-path"},
            paramLabel = "PATH",
            defaultValue = "/redis-failover",
            description = "ZooKeeper root of the replication group (default: ${DEFAULT-VALUE}).")
    String zkPath;

    @CommandLine.Mixin
    ZkAuthOptions auth = new ZkAuthOptions();

    /** The credentials and ACLs, from --zk-auth-file or the environment. */
    ZkAccess access() {
        return auth.access();
    }

    /** The group's paths; throws IllegalArgumentException without a connect string, which every such command needs. */
    ZkLayout layout() {
        if (zk == null || zk.isBlank()) {
            throw new IllegalArgumentException("--zk is required (or 'zk' in the --config file)");
        }
        return new ZkLayout(zkPath);
    }
}
