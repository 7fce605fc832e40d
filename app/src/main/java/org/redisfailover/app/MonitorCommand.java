package org.redisfailover.app;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.apache.curator.framework.CuratorFramework;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.build.BuildVersion;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.admin.AdminAccess;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.TopologyHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redis-failover monitor}: a standalone monitor (proxies run one each with {@code --redis}).
 * Accepts the options of the Python redis_failover monitor: -z, -p, -r, -s.
 */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {
            "Runs a monitor in the foreground: probes the Redis nodes and fails over a dead master.",
            "It publishes what it sees in ZooKeeper, and when it is the elected leader seeds the topology and fails over",
            "a master that most monitors see down."
        })
public final class MonitorCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(MonitorCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigFileOption config = new ConfigFileOption();

    @Option(
            names = "--check-config",
            description =
                    "Check the options and the --config file (values, TLS files, addresses), print "
                            + "what is wrong or 'configuration OK', and exit (0 when OK, 2 otherwise) without starting, as twemproxy -t does.")
    boolean checkConfig;

    @CommandLine.Mixin
    ZooKeeperOptions zooKeeper = new ZooKeeperOptions();

    @CommandLine.Mixin
    LogOptions logs = new LogOptions();

    @CommandLine.Mixin
    AdminOptions adminOptions = new AdminOptions();

    @Option(
            names = {"-r", "--redis"},
            paramLabel = "HOST:PORT",
            split = ",",
            description =
                    "The Redis nodes of the group, comma-separated or repeated; required, here or as 'redis' in the --config file.")
    List<String> redis = List.of();

    @Option(
            names = "-s",
            paramLabel = "SECONDS",
            description =
                    "Probe interval in seconds (the Python monitor's option; decimals allowed; overrides --probe-interval-ms).")
    Double probeIntervalSeconds;

    @Option(names = "--id", description = "This monitor's name (default: the host name and process id).")
    String id;

    @Option(
            names = "--zk-session-timeout-ms",
            defaultValue = "10000",
            description = "ZooKeeper session timeout (default: ${DEFAULT-VALUE}).")
    long zkSessionTimeoutMs;

    @CommandLine.Mixin
    MonitorOptions monitorOptions = new MonitorOptions();

    @CommandLine.Mixin
    BackendOptions backend = new BackendOptions();

    @Option(
            names = "--min-replica-acks",
            defaultValue = "0",
            description =
                    "The proxies' safe mode: with N > 0 a failover promotes only when at least |replicas| - N + 1 replicas are "
                            + "reachable on the master's history, so that no acknowledged write is lost; else the group waits without a master "
                            + "(default: ${DEFAULT-VALUE}).")
    int minReplicaAcks;

    /** The arguments this command was parsed from, set by {@link RedisFailoverMain}: SIGHUP parses them again. */
    String[] originalArgs = new String[0];

    /**
     * SIGHUP (systemctl reload): the monitor reads its command line and --config file again and puts the log
     * level in force; everything else it decides with takes a restart, which a rolling restart of the monitors
     * does safely. A file that does not parse changes nothing.
     */
    private void reloadLogLevel() {
        try {
            CommandLine commandLine = RedisFailoverMain.commandLine(originalArgs);
            commandLine.parseArgs(originalArgs);
            MonitorCommand next = commandLine.getSubcommands().get("monitor").getCommand();
            Level level = next.logs.level(Level.INFO);
            LogSetup.setLevel(level);
            log.atInfo()
                    .addKeyValue("event", "reload")
                    .addKeyValue("log_level", level.toString())
                    .log("SIGHUP: log level {} in force; the monitor's other settings take a restart", level);
        } catch (IOException | RuntimeException refused) {
            log.atWarn()
                    .addKeyValue("event", "reload")
                    .addKeyValue("error", String.valueOf(refused.getMessage()))
                    .log("SIGHUP: reload refused; the running configuration stays");
        }
    }

    /**
     * The standalone monitor's admin endpoint: /health; /ready while its ZooKeeper session is connected; /metrics
     * with the group's gauges (leadership, lag, the last switch, the leader latch), the process's and the JVM's;
     * /topology and /events as the proxy serves them (its routing section is empty: a monitor routes nothing).
     */
    private static AdminServer startAdmin(
            NodeAddress address,
            AdminAccess access,
            SSLContext tls,
            CuratorFramework client,
            ZkLayout layout,
            Monitor monitor,
            NodeAccess nodes) {
        ProxyMetrics metrics = ProxyMetrics.enabled();
        metrics.group(layout.root());
        GroupMetrics.register(metrics, client, layout, monitor);
        AdminServer.GroupView view = ZooKeeperFollowing.groupView(client, layout, nodes);
        try {
            return AdminServer.start(
                    address,
                    new TopologyHolder(new Topology(0, null, List.of())),
                    metrics,
                    view,
                    null,
                    access,
                    tls,
                    () -> client.getZookeeperClient().isConnected() ? null : "no ZooKeeper connection");
        } catch (IOException | java.nio.channels.UnresolvedAddressException e) {
            throw StartFailure.cannotListen("admin", address, e);
        }
    }

    @Override
    public Integer call() throws Exception {
        List<NodeAddress> nodes;
        ZkLayout layout;
        ZkAccess zkAccess;
        NodeAccess access;
        NodeAddress adminAddress;
        AdminAccess adminAccess;
        SSLContext adminTls;
        try {
            access = backend.access();
            if (redis.isEmpty()) {
                throw new IllegalArgumentException("--redis is required (or 'redis' in the --config file)");
            }
            nodes = redis.stream()
                    .map(node -> {
                        try {
                            return NodeAddress.parse(node);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("redis: " + e.getMessage());
                        }
                    })
                    .toList();
            layout = zooKeeper.layout();
            zkAccess = zooKeeper.access();
            adminAddress = adminOptions.address();
            adminAccess = adminOptions.access();
            adminTls = adminOptions.tls();
            logs.apply(Level.INFO, Arrays.asList(backend.password()));
            if (probeIntervalSeconds != null) {
                monitorOptions.probeIntervalMs = Math.max(1, Math.round(probeIntervalSeconds * 1000));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid configuration: " + e.getMessage());
        }
        if (checkConfig) {
            spec.commandLine()
                    .getOut()
                    .println("redis-failover monitor: configuration OK"
                            + (config.config == null ? "" : " (" + config.config + ")"));
            return 0;
        }
        // SIGHUP from here on: the JVM's own handler would end the monitor.
        ReloadSignal.install(this::reloadLogLevel);
        BuildVersion build = BuildVersion.current();
        log.atInfo()
                .addKeyValue("version", build.version())
                .addKeyValue("revision", build.revision())
                .log(
                        "redis-failover {} (commit {}) monitor starting, configuration {}",
                        build.version(),
                        build.revision(),
                        config.config == null ? "from flags only" : config.config);
        String monitorId = id != null
                ? id
                : InetAddress.getLocalHost().getHostName() + "-"
                        + ProcessHandle.current().pid();
        CuratorFramework client =
                ZooKeeperClients.connect(zooKeeper.zk, Duration.ofMillis(zkSessionTimeoutMs), zkAccess, layout);
        try {
            ReplicaAcksCheck.refuseMismatch(
                    client, layout, monitorId, minReplicaAcks, monitorOptions.allowMinReplicaAcksChange);
        } catch (IllegalArgumentException mismatch) {
            client.close();
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "invalid configuration: " + mismatch.getMessage());
        }
        Monitor monitor = new Monitor(
                client,
                monitorOptions.settings(
                        monitorId, layout, nodes, Duration.ofMillis(zkSessionTimeoutMs), access, minReplicaAcks));
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<AdminServer> adminServer = new AtomicReference<>();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            ZooKeeperClients.closeWithin(ZooKeeperFollowing.CLOSE_BOUND, client, monitor);
                            if (adminServer.get() != null) {
                                adminServer.get().close();
                            }
                            stopped.countDown();
                        },
                        "redis-failover-shutdown"));
        monitor.start();
        adminServer.set(
                adminAddress == null
                        ? null
                        : startAdmin(adminAddress, adminAccess, adminTls, client, layout, monitor, access));
        stopped.await();
        return 0;
    }
}
