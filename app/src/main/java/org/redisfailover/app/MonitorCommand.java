package org.redisfailover.app;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.framework.CuratorFramework;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code redis-failover monitor}: a standalone monitor (proxies run one each with {@code --redis}).
 * Accepts the options of the Python redis_failover monitor: -z, -p, -r, -s.
 */
@Command(name = "monitor",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {
            "Runs a monitor in the foreground: probes the Redis nodes, publishes what it sees in ZooKeeper, and",
            "when it is the elected leader seeds the topology and fails over a master that most monitors see down."
        })
public final class MonitorCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ZooKeeperOptions zooKeeper = new ZooKeeperOptions();

    @Option(names = {"-r", "--redis"}, paramLabel = "HOST:PORT", split = ",", required = true,
            description = "The Redis nodes of the group, comma-separated or repeated.")
    List<String> redis;

    @Option(names = "-s", paramLabel = "SECONDS",
            description = "Probe interval in seconds (the Python monitor's option; decimals allowed; overrides --probe-interval-ms).")
    Double probeIntervalSeconds;

    @Option(names = "--id", description = "This monitor's name (default: the host name and process id).")
    String id;

    @Option(names = "--zk-session-timeout-ms", defaultValue = "10000", description = "ZooKeeper session timeout (default: ${DEFAULT-VALUE}).")
    long zkSessionTimeoutMs;

    @CommandLine.Mixin
    MonitorOptions monitorOptions = new MonitorOptions();

    @CommandLine.Mixin
    BackendOptions backend = new BackendOptions();

    @Option(names = "--min-replica-acks", defaultValue = "0",
            description = "The proxies' safe mode: with N > 0 a failover promotes only when at least |replicas| - N + 1 replicas are "
                    + "reachable on the master's history, so that no acknowledged write is lost; else the group waits without a master "
                    + "(default: ${DEFAULT-VALUE}).")
    int minReplicaAcks;

    @Override
    public Integer call() throws Exception {
        List<NodeAddress> nodes;
        ZkLayout layout;
        ZkAccess zkAccess;
        NodeAccess access;
        try {
            access = backend.access();
            nodes = redis.stream().map(NodeAddress::parse).toList();
            layout = zooKeeper.layout();
            zkAccess = zooKeeper.access();
            if (probeIntervalSeconds != null) {
                monitorOptions.probeIntervalMs = Math.max(1, Math.round(probeIntervalSeconds * 1000));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid configuration: " + e.getMessage());
        }
        String monitorId = id != null ? id : InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        CuratorFramework client = ZooKeeperClients.connect(zooKeeper.zk, Duration.ofMillis(zkSessionTimeoutMs), zkAccess, layout);
        try {
            ReplicaAcksCheck.refuseMismatch(client, layout, monitorId, minReplicaAcks, monitorOptions.allowMinReplicaAcksChange);
        } catch (IllegalArgumentException mismatch) {
            client.close();
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid configuration: " + mismatch.getMessage());
        }
        Monitor monitor = new Monitor(client, monitorOptions.settings(monitorId, layout, nodes, Duration.ofMillis(zkSessionTimeoutMs),
                access, minReplicaAcks));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ZooKeeperClients.closeWithin(ZooKeeperFollowing.CLOSE_BOUND, client, monitor);
            stopped.countDown();
        }, "redis-failover-shutdown"));
        monitor.start();
        stopped.await();
        return 0;
    }
}
