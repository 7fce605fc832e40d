package org.redisfailover.proxy.config;

import java.time.Duration;
import java.util.List;
import org.redisfailover.protocol.resp.RespLimits;
import org.redisfailover.protocol.tls.BackendTls;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.tls.ListenerTls;

/**
 * Everything a proxy needs to start, validated once. Immutable.
 *
 * @param listen                 the address clients connect to
 * @param master                 the master of the replication group (with ZooKeeper: only a seed, may be null)
 * @param replicas               its replicas
 * @param readPolicy             where readonly commands go
 * @param offsetProbeInterval    with read-your-writes: how often the replication offsets of every node are sampled
 * @param databases              Redis' {@code databases} setting; SELECT beyond it is refused locally
 * @param limits                 request and reply size limits
 * @param ioThreads              event loop threads (0: one per CPU)
 * @param connectTimeout         TCP connect timeout to Redis
 * @param backendTimeout         longest wait for a reply before the backend connection counts as dead
 * @param partialRequestTimeout  a client that stops in the middle of a request is closed after this
 * @param clientIdleTimeout      an idle client is closed after this (zero: never, as Redis' timeout 0)
 * @param maxClients             client connections beyond this are refused, as by Redis' maxclients
 * @param maxPipelinePerClient   replies a client may have outstanding before the proxy stops reading it
 * @param maxInFlightPerBackend  requests in flight on one backend connection before new ones are refused
 * @param outputLimits           how many unsent reply bytes clients that do not read may make the proxy hold
 * @param holdTimeout            longest a request waits for a master (during a switch, or fenced) before an error
 * @param holdMaxRequests        requests one event loop may hold at once; more get an error at once
 * @param holdMaxBytes           bytes of requests one event loop may hold at once
 * @param zooKeeper              where the topology comes from; null: the static master and replicas above
 * @param backendUser            ACL user the proxy authenticates as to Redis (null: default user)
 * @param backendPassword        password for Redis (null: none)
 * @param tls                    the TLS port for clients (null: none, only the plain --listen)
 * @param backendTls             TLS to the Redis nodes (null: plain TCP)
 * @param requirepass            the proxy's own password for clients, checked before anything reaches Redis (null: none)
 * @param protectedMode          with no requirepass, serve only loopback clients unless the group itself asks every
 *                               client for a password (Redis' protected-mode)
 * @param minReplicaAcks         safe mode: a write is acknowledged only once this many replicas have it (0: asynchronous)
 * @param replicaAckTimeout      how long a batch's WAIT waits for them; past it the writes get an outcome-unknown error
 * @param metrics                record metrics (false: Dropwizard's no-op registry, for measuring what they cost)
 * @param cluster                cluster mode: the Redis Cluster the proxy fronts (null: one replication group)
 */
public record ProxyConfig(
        NodeAddress listen,
        NodeAddress master,
        List<NodeAddress> replicas,
        ReadPolicy readPolicy,
        Duration offsetProbeInterval,
        int databases,
        RespLimits limits,
        int ioThreads,
        Duration connectTimeout,
        Duration backendTimeout,
        Duration partialRequestTimeout,
        Duration clientIdleTimeout,
        int maxClients,
        int maxPipelinePerClient,
        int maxInFlightPerBackend,
        OutputLimits outputLimits,
        Duration holdTimeout,
        int holdMaxRequests,
        long holdMaxBytes,
        ZooKeeperSettings zooKeeper,
        String backendUser,
        String backendPassword,
        ListenerTls tls,
        BackendTls backendTls,
        String requirepass,
        boolean protectedMode,
        int minReplicaAcks,
        Duration replicaAckTimeout,
        boolean metrics,
        ClusterSettings cluster) {

    public ProxyConfig {
        replicas = List.copyOf(replicas);
        require(databases >= 1, "databases", databases, ">= 1");
        require(
                !offsetProbeInterval.isNegative() && offsetProbeInterval.toMillis() >= 1,
                "offset-probe-interval-ms",
                offsetProbeInterval.toMillis(),
                ">= 1");
        require(ioThreads >= 0, "io-threads", ioThreads, ">= 0");
        require(maxClients >= 1, "max-clients", maxClients, ">= 1");
        require(maxPipelinePerClient >= 1, "max-pipeline-per-client", maxPipelinePerClient, ">= 1");
        require(maxInFlightPerBackend >= 1, "max-in-flight-per-backend", maxInFlightPerBackend, ">= 1");
        require(!holdTimeout.isNegative() && !holdTimeout.isZero(), "hold-timeout-ms", holdTimeout.toMillis(), "> 0");
        require(holdMaxRequests >= 0, "hold-max-requests", holdMaxRequests, ">= 0");
        require(holdMaxBytes >= 0, "hold-max-bytes", holdMaxBytes, ">= 0");
        require(
                !connectTimeout.isNegative() && !connectTimeout.isZero(),
                "connect-timeout-ms",
                connectTimeout.toMillis(),
                "> 0");
        require(
                !backendTimeout.isNegative() && !backendTimeout.isZero(),
                "backend-timeout-ms",
                backendTimeout.toMillis(),
                "> 0");
        require(
                !partialRequestTimeout.isNegative() && !partialRequestTimeout.isZero(),
                "partial-request-timeout-ms",
                partialRequestTimeout.toMillis(),
                "> 0");
        require(!clientIdleTimeout.isNegative(), "client-idle-timeout-s", clientIdleTimeout.toSeconds(), ">= 0");
        if (master == null && zooKeeper == null && cluster == null) {
            throw new IllegalArgumentException(
                    "a master is needed unless the topology comes from ZooKeeper (--zk) or a cluster (--cluster)");
        }
        if (cluster != null) {
            requireGroupModeOnly(master == null && replicas.isEmpty(), "--master and --replicas");
            requireGroupModeOnly(zooKeeper == null, "--zk");
            requireGroupModeOnly(readPolicy != ReadPolicy.READ_YOUR_WRITES, "read policy read-your-writes");
        }
        if ((master != null && master.port() == 0) || replicas.stream().anyMatch(r -> r.port() == 0)) {
            throw new IllegalArgumentException("a Redis node needs a port (0 is only for --listen)");
        }
        if (master != null && replicas.contains(master)) {
            throw new IllegalArgumentException("replica " + master + " is also the master");
        }
        if (replicas.stream().distinct().count() != replicas.size()) {
            throw new IllegalArgumentException("a replica is listed twice: " + replicas);
        }
        if (tls != null && tls.listen().equals(listen) && listen.port() != 0) {
            throw new IllegalArgumentException("tls-listen " + tls.listen() + " is also --listen");
        }
        require(minReplicaAcks >= 0, "min-replica-acks", minReplicaAcks, ">= 0");
        // Checked against the backend timeout only when in use: a WAIT longer than it would close its connection.
        require(
                !replicaAckTimeout.isNegative()
                        && !replicaAckTimeout.isZero()
                        && (minReplicaAcks == 0 || replicaAckTimeout.compareTo(backendTimeout) < 0),
                "replica-ack-timeout-ms",
                replicaAckTimeout.toMillis(),
                "> 0, and with min-replica-acks below backend-timeout-ms");
        if (requirepass != null && requirepass.isEmpty()) {
            throw new IllegalArgumentException("requirepass: empty");
        }
        if (backendUser != null && backendPassword == null) {
            throw new IllegalArgumentException("backend-user needs backend-password");
        }
    }

    /** A builder with every setting at its default; only the addresses have none. */
    public static Builder builder(NodeAddress listen, NodeAddress master, List<NodeAddress> replicas) {
        return new Builder(listen, master, replicas);
    }

    /** Defaults for everything but the addresses. */
    public static ProxyConfig defaults(NodeAddress listen, NodeAddress master, List<NodeAddress> replicas) {
        return builder(listen, master, replicas).build();
    }

    /** Collects settings; {@link #build()} validates them all at once. */
    public static final class Builder {
        private NodeAddress listen;
        private final NodeAddress master;
        private final List<NodeAddress> replicas;
        private ReadPolicy readPolicy = ReadPolicy.MASTER;
        private Duration offsetProbeInterval = Duration.ofMillis(10);
        private int databases = 16;
        private RespLimits limits = RespLimits.DEFAULT;
        private int ioThreads;
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration backendTimeout = Duration.ofSeconds(10);
        private Duration partialRequestTimeout = Duration.ofSeconds(30);
        private Duration clientIdleTimeout = Duration.ZERO;
        private int maxClients = 10_000;
        private int maxPipelinePerClient = 1024;
        private int maxInFlightPerBackend = 100_000;
        private OutputLimits outputLimits = OutputLimits.DEFAULT;
        private Duration holdTimeout = Duration.ofSeconds(5);
        private int holdMaxRequests = 100_000;
        private long holdMaxBytes = 64L * 1024 * 1024;
        private ZooKeeperSettings zooKeeper;
        private String backendUser;
        private String backendPassword;
        private ListenerTls tls;
        private BackendTls backendTls;
        private String requirepass;
        private boolean protectedMode = true;
        private int minReplicaAcks;
        private Duration replicaAckTimeout = Duration.ofSeconds(1);
        private boolean metrics = true;
        private ClusterSettings cluster;

        private Builder(NodeAddress listen, NodeAddress master, List<NodeAddress> replicas) {
            this.listen = listen;
            this.master = master;
            this.replicas = replicas;
        }

        public Builder listen(NodeAddress value) {
            listen = value;
            return this;
        }

        public Builder readPolicy(ReadPolicy value) {
            readPolicy = value;
            return this;
        }

        public Builder offsetProbeInterval(Duration value) {
            offsetProbeInterval = value;
            return this;
        }

        public Builder databases(int value) {
            databases = value;
            return this;
        }

        public Builder limits(RespLimits value) {
            limits = value;
            return this;
        }

        public Builder ioThreads(int value) {
            ioThreads = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            connectTimeout = value;
            return this;
        }

        public Builder backendTimeout(Duration value) {
            backendTimeout = value;
            return this;
        }

        public Builder partialRequestTimeout(Duration value) {
            partialRequestTimeout = value;
            return this;
        }

        public Builder clientIdleTimeout(Duration value) {
            clientIdleTimeout = value;
            return this;
        }

        public Builder maxClients(int value) {
            maxClients = value;
            return this;
        }

        public Builder maxPipelinePerClient(int value) {
            maxPipelinePerClient = value;
            return this;
        }

        public Builder maxInFlightPerBackend(int value) {
            maxInFlightPerBackend = value;
            return this;
        }

        public Builder clientOutputLimitBytes(long value) {
            outputLimits = outputLimits.withClientBytes(value);
            return this;
        }

        public Builder outputLimits(OutputLimits value) {
            outputLimits = value;
            return this;
        }

        public Builder hold(Duration timeout, int maxRequests, long maxBytes) {
            holdTimeout = timeout;
            holdMaxRequests = maxRequests;
            holdMaxBytes = maxBytes;
            return this;
        }

        public Builder zooKeeper(ZooKeeperSettings value) {
            zooKeeper = value;
            return this;
        }

        public Builder backendCredentials(String user, String password) {
            backendUser = user;
            backendPassword = password;
            return this;
        }

        public Builder tls(ListenerTls value) {
            tls = value;
            return this;
        }

        public Builder backendTls(BackendTls value) {
            backendTls = value;
            return this;
        }

        public Builder requirepass(String value) {
            requirepass = value;
            return this;
        }

        public Builder protectedMode(boolean value) {
            protectedMode = value;
            return this;
        }

        public Builder replicaAcks(int minimum, Duration timeout) {
            minReplicaAcks = minimum;
            replicaAckTimeout = timeout;
            return this;
        }

        public Builder metrics(boolean value) {
            metrics = value;
            return this;
        }

        public Builder cluster(ClusterSettings value) {
            cluster = value;
            return this;
        }

        public ProxyConfig build() {
            return new ProxyConfig(
                    listen,
                    master,
                    replicas,
                    readPolicy,
                    offsetProbeInterval,
                    databases,
                    limits,
                    ioThreads,
                    connectTimeout,
                    backendTimeout,
                    partialRequestTimeout,
                    clientIdleTimeout,
                    maxClients,
                    maxPipelinePerClient,
                    maxInFlightPerBackend,
                    outputLimits,
                    holdTimeout,
                    holdMaxRequests,
                    holdMaxBytes,
                    zooKeeper,
                    backendUser,
                    backendPassword,
                    tls,
                    backendTls,
                    requirepass,
                    protectedMode,
                    minReplicaAcks,
                    replicaAckTimeout,
                    metrics,
                    cluster);
        }
    }

    /** What cluster mode does not take (yet: docs/CLUSTER.md says what it does). */
    private static void requireGroupModeOnly(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(what + " cannot be used with --cluster (docs/CLUSTER.md)");
        }
    }

    private static void require(boolean ok, String key, long value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(key + ": " + value + " (expected: " + expected + ")");
        }
    }

    @Override
    public String toString() {
        // Never print the password.
        return "ProxyConfig[listen=" + listen + (cluster == null ? "" : ", cluster=" + cluster.seeds()) + ", master="
                + master + ", replicas=" + replicas + ", readPolicy="
                + readPolicy.label()
                + ", zooKeeper="
                + (zooKeeper == null
                        ? "none"
                        : zooKeeper.connectString() + zooKeeper.layout().root())
                + ", tls=" + (tls == null ? "none" : tls.listen()) + ", backendTls=" + (backendTls != null)
                + ", requirepass=" + (requirepass == null ? "none" : "***") + ", protectedMode=" + protectedMode
                + ", databases=" + databases + ", backendUser=" + backendUser + ", backendPassword="
                + (backendPassword == null ? "none" : "***")
                + "]";
    }
}
