package org.redisfailover.app;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.redisfailover.protocol.build.BuildVersion;
import org.redisfailover.protocol.resp.RespLimits;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.admin.AdminAccess;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.config.ClusterSettings;
import org.redisfailover.proxy.config.OutputLimits;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code redis-failover proxy}: runs the proxy in the foreground, logging to stderr. */
@Command(
        name = "proxy",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {
            "Runs the proxy in the foreground: clients connect to --listen as if it were Redis.",
            "Writes go to the master, reads where --read-policy says. Every option can also be set in the --config file,",
            "as 'name = value' with the option's long name (see conf/proxy.properties); flags win."
        })
public final class ProxyCommand implements Callable<Integer> {

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

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:7379",
            description = "Address clients connect to (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(
            names = "--master",
            paramLabel = "HOST:PORT",
            description =
                    "The master of the replication group (required without --zk; with --zk it seeds the topology if ZooKeeper has none).")
    String master;

    @Option(
            names = "--cluster",
            paramLabel = "HOST:PORT",
            split = ",",
            description = "Cluster mode: front the Redis Cluster or Valkey cluster these nodes belong to (seeds; every "
                    + "node learnt from them is asked too), instead of one group's --master (docs/CLUSTER.md).")
    List<String> cluster = List.of();

    @Option(
            names = "--cluster-refresh-ms",
            defaultValue = "1000",
            description = "Cluster mode: how often the slot map is read when nothing asks sooner (a MOVED, a lost "
                    + "master connection and an uncovered slot ask at once) (default: ${DEFAULT-VALUE}).")
    long clusterRefreshMs;

    @Option(
            names = "--cluster-announce",
            paramLabel = "HOST:PORT",
            description =
                    "Cluster mode: the address cluster-aware clients are given in CLUSTER SLOTS, SHARDS and NODES "
                            + "(behind NAT or a load balancer); default: the address each client connected to.")
    String clusterAnnounce;

    @Option(
            names = "--cluster-split-mset",
            description = "Cluster mode: split an MSET whose keys span slots into one per slot, which is then no "
                    + "longer atomic (default: refused with Redis' CROSSSLOT error, as the cluster does).")
    boolean clusterSplitMset;

    @Option(
            names = "--replica",
            paramLabel = "HOST:PORT",
            split = ",",
            description = "A replica of the master; repeat the option or separate with commas.")
    List<String> replicas = List.of();

    @Option(
            names = "--read-policy",
            paramLabel = "POLICY",
            defaultValue = "master",
            description = "Where readonly commands go: master (exact Redis semantics), prefer-replica, replica or "
                    + "read-your-writes (replicas, but a client that wrote reads from the master or a replica that has its write) "
                    + "(default: ${DEFAULT-VALUE}).")
    String readPolicy;

    @Option(
            names = "--offset-probe-interval-ms",
            defaultValue = "10",
            description =
                    "With read-your-writes: how often every node's replication offset is sampled (default: ${DEFAULT-VALUE}).")
    long offsetProbeIntervalMs;

    @Option(
            names = "--databases",
            defaultValue = "16",
            description = "Redis' 'databases' setting; SELECT is checked against it (default: ${DEFAULT-VALUE}).")
    int databases;

    @Option(
            names = "--io-threads",
            defaultValue = "0",
            description = "Event loop threads; 0 = one per CPU (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(
            names = "--connect-timeout-ms",
            defaultValue = "1000",
            description = "Connect timeout to Redis (default: ${DEFAULT-VALUE}).")
    long connectTimeoutMs;

    @Option(
            names = "--backend-timeout-ms",
            defaultValue = "10000",
            description =
                    "A backend connection whose oldest request waits longer is closed and its requests fail (default: ${DEFAULT-VALUE}).")
    long backendTimeoutMs;

    @Option(
            names = "--partial-request-timeout-ms",
            defaultValue = "30000",
            description =
                    "A client that sends part of a request and then nothing for this long is closed (default: ${DEFAULT-VALUE}).")
    long partialRequestTimeoutMs;

    @Option(
            names = "--client-idle-timeout-s",
            defaultValue = "0",
            description =
                    "Idle clients are closed after this; 0 = never, like Redis' 'timeout 0' (default: ${DEFAULT-VALUE}).")
    long clientIdleTimeoutS;

    @Option(
            names = "--max-clients",
            defaultValue = "10000",
            description =
                    "Client connections beyond this get Redis' 'max number of clients reached' and are closed (default: ${DEFAULT-VALUE}).")
    int maxClients;

    @Option(
            names = "--max-pipeline-per-client",
            defaultValue = "1024",
            description =
                    "Outstanding replies per client before the proxy stops reading it until they drain (default: ${DEFAULT-VALUE}).")
    int maxPipelinePerClient;

    @Option(
            names = "--max-in-flight-per-backend",
            defaultValue = "100000",
            description =
                    "Requests in flight on one backend connection before new ones get an error (default: ${DEFAULT-VALUE}).")
    int maxInFlightPerBackend;

    @Option(
            names = "--client-output-limit-bytes",
            defaultValue = "536870912",
            description = "Unread reply bytes past which a client is closed (default: ${DEFAULT-VALUE}).")
    long clientOutputLimitBytes;

    @Option(
            names = "--client-output-budget-bytes",
            defaultValue = "0",
            description =
                    "Unread reply bytes of all clients together, as Redis' maxmemory-clients: past it the clients holding the most "
                            + "are closed first (default: ${DEFAULT-VALUE}, half of the JVM's direct memory limit).")
    long clientOutputBudgetBytes;

    @Option(
            names = "--pubsub-output-limit-bytes",
            defaultValue = "33554432",
            description =
                    "Unread bytes past which a subscribed client is closed, as Redis' pubsub output limit (default: ${DEFAULT-VALUE}).")
    long pubsubOutputLimitBytes;

    @Option(
            names = "--pubsub-output-soft-limit-bytes",
            defaultValue = "8388608",
            description =
                    "A subscribed client holding more than this for --pubsub-output-soft-limit-s is closed; 0: no soft limit "
                            + "(default: ${DEFAULT-VALUE}).")
    long pubsubOutputSoftLimitBytes;

    @Option(
            names = "--pubsub-output-soft-limit-s",
            defaultValue = "60",
            description = "See --pubsub-output-soft-limit-bytes (default: ${DEFAULT-VALUE}).")
    long pubsubOutputSoftLimitS;

    @Option(
            names = "--max-request-bytes",
            defaultValue = "1073741824",
            description =
                    "Largest request; a client sending a larger one is closed, as by Redis' query buffer limit (default: ${DEFAULT-VALUE}).")
    long maxRequestBytes;

    @Option(
            names = "--max-bulk-length",
            defaultValue = "536870912",
            description = "Largest bulk string, as Redis' proto-max-bulk-len (default: ${DEFAULT-VALUE}).")
    int maxBulkLength;

    @Option(
            names = "--hold-timeout-ms",
            defaultValue = "5000",
            description =
                    "During a master switch (or while fenced) requests for the master are held, not failed, for up to this long (default: ${DEFAULT-VALUE}).")
    long holdTimeoutMs;

    @Option(
            names = "--hold-max-requests",
            defaultValue = "100000",
            description =
                    "Requests one I/O thread may hold during a switch; more get an error at once (default: ${DEFAULT-VALUE}).")
    int holdMaxRequests;

    @Option(
            names = "--hold-max-bytes",
            defaultValue = "67108864",
            description = "Bytes of requests one I/O thread may hold during a switch (default: ${DEFAULT-VALUE}).")
    long holdMaxBytes;

    @Option(
            names = "--min-replica-acks",
            defaultValue = "0",
            description =
                    "Safe mode: a write's reply reaches its client only once this many replicas acknowledged it (WAIT, one per "
                            + "batch of writes); too few within --replica-ack-timeout-ms gives an outcome-unknown error, never OK; "
                            + "0: asynchronous, as Redis (default: ${DEFAULT-VALUE}).")
    int minReplicaAcks;

    @Option(
            names = "--replica-ack-timeout-ms",
            defaultValue = "1000",
            description = "How long a batch's WAIT waits for --min-replica-acks replicas (default: ${DEFAULT-VALUE}).")
    long replicaAckTimeoutMs;

    @Option(
            names = "--zk",
            paramLabel = "HOSTS",
            description =
                    "ZooKeeper connect string (host:port,...): follow the topology there instead of a fixed --master.")
    String zk;

    @Option(
            names = "--redis",
            paramLabel = "HOST:PORT",
            split = ",",
            description =
                    "With --zk: the Redis nodes of the group; a monitor runs next to the proxy, seeds the topology by ROLE and fails over.")
    List<String> redisNodes = List.of();

    @picocli.CommandLine.Mixin
    MonitorOptions monitorOptions = new MonitorOptions();

    @Option(
            names = "--zk-path",
            paramLabel = "PATH",
            defaultValue = "/redis-failover",
            description = "ZooKeeper root of this replication group (default: ${DEFAULT-VALUE}).")
    String zkPath;

    @Option(
            names = "--zk-session-timeout-ms",
            defaultValue = "10000",
            description = "ZooKeeper session timeout asked for (default: ${DEFAULT-VALUE}).")
    long zkSessionTimeoutMs;

    @Option(
            names = "--fence-timeout-ms",
            defaultValue = "3000",
            description =
                    "The proxy writes only while its last answered ZooKeeper confirmation was sent less than this long ago; "
                            + "monitors wait as long before promoting past a proxy that does not acknowledge; below the session timeout "
                            + "(default: ${DEFAULT-VALUE}).")
    long fenceTimeoutMs;

    @Option(
            names = "--replication-guard-ms",
            defaultValue = "900",
            description =
                    "Following ZooKeeper with replicas: the proxy writes only while a replica acknowledged the master's "
                            + "replication within this long, bounding what a master cut off from its replicas can acknowledge; "
                            + "0 turns it off (default: ${DEFAULT-VALUE}).")
    long replicationGuardMs;

    @CommandLine.Mixin
    AdminOptions adminOptions = new AdminOptions();

    @Option(
            names = "--metrics",
            arity = "1",
            defaultValue = "true",
            description =
                    "Record metrics for the admin endpoint's /metrics; false only to measure what they cost (default: ${DEFAULT-VALUE}).")
    boolean metrics;

    @Option(
            names = "--shutdown-timeout-ms",
            defaultValue = "8000",
            description =
                    "On SIGTERM the proxy stops taking clients, says not ready, and closes each client once it has its replies; "
                            + "at half this time it stops reading the clients left, at the whole it closes what is left and exits "
                            + "(default: ${DEFAULT-VALUE}).")
    long shutdownTimeoutMs;

    @CommandLine.Mixin
    LogOptions logs = new LogOptions();

    @CommandLine.Mixin
    BackendOptions backend = new BackendOptions();

    @CommandLine.Mixin
    TlsOptions tls = new TlsOptions();

    @CommandLine.Mixin
    ClientAccessOptions access = new ClientAccessOptions();

    @CommandLine.Mixin
    ZkAuthOptions zkAuth = new ZkAuthOptions();

    /** The arguments this command was parsed from, set by {@link RedisFailoverMain}: a reload parses them again. */
    String[] originalArgs = new String[0];

    @Override
    public Integer call() throws Exception {
        ProxyConfig proxyConfig;
        NodeAddress adminAddress;
        AdminAccess adminAccess;
        SSLContext adminTls;
        ZkAccess zkAccess;
        LogSetup.Format format;
        Level level;
        List<NodeAddress> monitored;
        try {
            proxyConfig = buildConfig();
            monitored = redisNodes.stream().map(node -> parse("redis", node)).toList();
            adminAddress = adminOptions.address();
            adminAccess = adminOptions.access();
            adminTls = adminOptions.tls();
            zkAccess = zkAuth.access();
            format = logs.format();
            level = logs.level(Level.INFO);
            if (shutdownTimeoutMs < 0) {
                throw new IllegalArgumentException("shutdown-timeout-ms: " + shutdownTimeoutMs + " (expected: >= 0)");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid configuration: " + e.getMessage());
        }
        if (checkConfig) {
            spec.commandLine()
                    .getOut()
                    .println("redis-failover proxy: configuration OK"
                            + (config.config == null ? "" : " (" + config.config + ")"));
            return 0;
        }
        LogSetup.apply(format, level, Arrays.asList(proxyConfig.backendPassword(), proxyConfig.requirepass()));
        // SIGHUP is handled from here on: the JVM's own handler would end the process, and a reload sent as soon as
        // the proxy looks ready (an orchestrator, a test) must find this one.
        AtomicReference<ConfigReload> reloads = new AtomicReference<>();
        ReloadSignal.install(() -> {
            ConfigReload reload = reloads.get();
            if (reload == null) {
                LoggerFactory.getLogger(ProxyCommand.class)
                        .warn("SIGHUP while the proxy starts: nothing reloaded; send it again once it runs");
            } else {
                ReloadSignal.reload(reload);
            }
        });
        BuildVersion build = BuildVersion.current();
        LoggerFactory.getLogger(ProxyCommand.class)
                .atInfo()
                .addKeyValue("version", build.version())
                .addKeyValue("revision", build.revision())
                .addKeyValue("config", config.config == null ? "none" : config.config)
                .log(
                        "redis-failover {} (commit {}) starting, configuration {}",
                        build.version(),
                        build.revision(),
                        config.config == null ? "from flags only" : config.config);
        ProxyServer server = new ProxyServer(proxyConfig);
        try {
            server.start();
        } catch (ProxyServer.ListenFailure e) {
            throw StartFailure.cannotListen(e.option(), e.address(), e.getCause());
        }
        GracefulStop stop = new GracefulStop(server, Duration.ofMillis(shutdownTimeoutMs)).install();
        ConfigReload reload = new ConfigReload(originalArgs, this, server);
        reloads.set(reload);
        // The admin endpoint comes up before ZooKeeper answers, so that /health, and /ready saying why not, are there
        // at once; its group view is filled in once the ZooKeeper client has connected.
        AtomicReference<AdminServer.GroupView> group = new AtomicReference<>();
        if (adminAddress != null) {
            try {
                stop.admin(AdminServer.start(
                        adminAddress,
                        server.topology(),
                        server.metrics(),
                        proxyConfig.zooKeeper() == null ? null : new PendingGroupView(group),
                        reload,
                        adminAccess,
                        adminTls,
                        server::notReadyReason));
                adminOptions.exportExpiry(server.metrics());
            } catch (IOException | java.nio.channels.UnresolvedAddressException e) {
                server.close();
                throw StartFailure.cannotListen("admin", adminAddress, e);
            }
        }
        if (proxyConfig.zooKeeper() != null) {
            try {
                ZooKeeperFollowing.Running following =
                        ZooKeeperFollowing.start(proxyConfig, server, monitored, monitorOptions, zkAccess);
                stop.leaveZooKeeperWith(following.stop());
                group.set(following.view());
            } catch (IllegalArgumentException e) {
                server.close();
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "invalid configuration: " + e.getMessage());
            }
        }
        stop.await();
        return 0;
    }

    ProxyConfig buildConfig() {
        if (master == null && zk == null && cluster.isEmpty()) {
            throw new IllegalArgumentException(
                    "--master is required (or 'master' in the --config file), unless --zk or --cluster is given");
        }
        if (!redisNodes.isEmpty() && zk == null) {
            throw new IllegalArgumentException("--redis runs a monitor, which needs --zk");
        }
        return ProxyConfig.builder(
                        parse("listen", listen),
                        master == null ? null : parse("master", master),
                        replicas.stream().map(r -> parse("replica", r)).toList())
                .readPolicy(ReadPolicy.parse(readPolicy))
                .offsetProbeInterval(Duration.ofMillis(offsetProbeIntervalMs))
                .databases(databases)
                .ioThreads(ioThreads)
                .connectTimeout(Duration.ofMillis(connectTimeoutMs))
                .backendTimeout(Duration.ofMillis(backendTimeoutMs))
                .partialRequestTimeout(Duration.ofMillis(partialRequestTimeoutMs))
                .clientIdleTimeout(Duration.ofSeconds(clientIdleTimeoutS))
                .maxClients(maxClients)
                .maxPipelinePerClient(maxPipelinePerClient)
                .maxInFlightPerBackend(maxInFlightPerBackend)
                .outputLimits(new OutputLimits(
                        clientOutputLimitBytes,
                        clientOutputBudgetBytes,
                        pubsubOutputLimitBytes,
                        pubsubOutputSoftLimitBytes,
                        Duration.ofSeconds(pubsubOutputSoftLimitS)))
                .limits(RespLimits.DEFAULT.withMaxRequestBytes(maxRequestBytes).withMaxBulkLength(maxBulkLength))
                .hold(Duration.ofMillis(holdTimeoutMs), holdMaxRequests, holdMaxBytes)
                .zooKeeper(
                        zk == null
                                ? null
                                : new ZooKeeperSettings(
                                        zk,
                                        new ZkLayout(zkPath),
                                        Duration.ofMillis(zkSessionTimeoutMs),
                                        Duration.ofMillis(fenceTimeoutMs),
                                        Duration.ofMillis(replicationGuardMs)))
                .backendCredentials(backend.backendUser, backend.password())
                .tls(tls.tls())
                .backendTls(backend.tls())
                .replicaAcks(minReplicaAcks, Duration.ofMillis(replicaAckTimeoutMs))
                .requirepass(access.requirepass())
                .protectedMode(access.protectedMode())
                .metrics(metrics)
                .cluster(
                        cluster.isEmpty()
                                ? null
                                : new ClusterSettings(
                                        cluster.stream()
                                                .map(c -> parse("cluster", c))
                                                .toList(),
                                        Duration.ofMillis(clusterRefreshMs),
                                        clusterSplitMset,
                                        clusterAnnounce == null ? null : parse("cluster-announce", clusterAnnounce)))
                .build();
    }

    private static NodeAddress parse(String key, String value) {
        try {
            return NodeAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
    }
}
