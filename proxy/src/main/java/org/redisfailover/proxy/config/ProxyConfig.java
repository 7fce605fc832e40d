package org.redisfailover.proxy.config;

import java.time.Duration;
import java.util.List;
import org.redisfailover.protocol.resp.RespLimits;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Everything a proxy needs to start, validated once. Immutable.
 *
 * @param listen                 the address clients connect to
 * @param master                 the master of the replication group
 * @param replicas               its replicas
 * @param readPolicy             where readonly commands go
 * @param databases              Redis' {@code databases} setting; SELECT beyond it is refused locally
 * @param limits                 request and reply size limits
 * @param ioThreads              event loop threads (0: one per CPU)
 * @param connectTimeout         TCP connect timeout to Redis
 * @param backendTimeout         longest wait for a reply before the backend connection counts as dead
 * @param partialRequestTimeout  a client that stops in the middle of a request is closed after this
 * @param clientIdleTimeout      an idle client is closed after this (zero: never, as Redis' timeout 0)
 * @param maxPipelinePerClient   replies a client may have outstanding before the proxy stops reading it
 * @param maxInFlightPerBackend  requests in flight on one backend connection before new ones are refused
 * @param clientOutputLimitBytes unsent reply bytes past which a client that does not read is closed
 * @param backendUser            ACL user the proxy authenticates as to Redis (null: default user)
 * @param backendPassword        password for Redis (null: none)
 */
public record ProxyConfig(
        NodeAddress listen,
        NodeAddress master,
        List<NodeAddress> replicas,
        ReadPolicy readPolicy,
        int databases,
        RespLimits limits,
        int ioThreads,
        Duration connectTimeout,
        Duration backendTimeout,
        Duration partialRequestTimeout,
        Duration clientIdleTimeout,
        int maxPipelinePerClient,
        int maxInFlightPerBackend,
        long clientOutputLimitBytes,
        String backendUser,
        String backendPassword) {

    public ProxyConfig {
        replicas = List.copyOf(replicas);
        require(databases >= 1, "databases", databases, ">= 1");
        require(ioThreads >= 0, "io-threads", ioThreads, ">= 0");
        require(maxPipelinePerClient >= 1, "max-pipeline-per-client", maxPipelinePerClient, ">= 1");
        require(maxInFlightPerBackend >= 1, "max-in-flight-per-backend", maxInFlightPerBackend, ">= 1");
        require(clientOutputLimitBytes >= 1, "client-output-limit-bytes", clientOutputLimitBytes, ">= 1");
        require(!connectTimeout.isNegative() && !connectTimeout.isZero(), "connect-timeout-ms", connectTimeout.toMillis(), "> 0");
        require(!backendTimeout.isNegative() && !backendTimeout.isZero(), "backend-timeout-ms", backendTimeout.toMillis(), "> 0");
        require(!partialRequestTimeout.isNegative() && !partialRequestTimeout.isZero(), "partial-request-timeout-ms",
                partialRequestTimeout.toMillis(), "> 0");
        require(!clientIdleTimeout.isNegative(), "client-idle-timeout-s", clientIdleTimeout.toSeconds(), ">= 0");
        if (master.port() == 0 || replicas.stream().anyMatch(r -> r.port() == 0)) {
            throw new IllegalArgumentException("a Redis node needs a port (0 is only for --listen)");
        }
        if (replicas.contains(master)) {
            throw new IllegalArgumentException("replica " + master + " is also the master");
        }
        if (replicas.stream().distinct().count() != replicas.size()) {
            throw new IllegalArgumentException("a replica is listed twice: " + replicas);
        }
        if (backendUser != null && backendPassword == null) {
            throw new IllegalArgumentException("backend-user needs backend-password");
        }
    }

    /** Defaults for everything but the addresses: what the command line starts from. */
    public static ProxyConfig defaults(NodeAddress listen, NodeAddress master, List<NodeAddress> replicas) {
        return new ProxyConfig(listen, master, replicas, ReadPolicy.MASTER, 16, RespLimits.DEFAULT, 0,
                Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ZERO,
                1024, 100_000, 512L * 1024 * 1024, null, null);
    }

    public ProxyConfig withReadPolicy(ReadPolicy policy) {
        return new ProxyConfig(listen, master, replicas, policy, databases, limits, ioThreads, connectTimeout, backendTimeout,
                partialRequestTimeout, clientIdleTimeout, maxPipelinePerClient, maxInFlightPerBackend, clientOutputLimitBytes,
                backendUser, backendPassword);
    }

    public ProxyConfig withListen(NodeAddress address) {
        return new ProxyConfig(address, master, replicas, readPolicy, databases, limits, ioThreads, connectTimeout, backendTimeout,
                partialRequestTimeout, clientIdleTimeout, maxPipelinePerClient, maxInFlightPerBackend, clientOutputLimitBytes,
                backendUser, backendPassword);
    }

    public ProxyConfig withTimeouts(Duration connect, Duration backend, Duration partialRequest) {
        return new ProxyConfig(listen, master, replicas, readPolicy, databases, limits, ioThreads, connect, backend,
                partialRequest, clientIdleTimeout, maxPipelinePerClient, maxInFlightPerBackend, clientOutputLimitBytes,
                backendUser, backendPassword);
    }

    public ProxyConfig withLimits(RespLimits newLimits, int pipelinePerClient, int inFlightPerBackend, long outputLimit) {
        return new ProxyConfig(listen, master, replicas, readPolicy, databases, newLimits, ioThreads, connectTimeout, backendTimeout,
                partialRequestTimeout, clientIdleTimeout, pipelinePerClient, inFlightPerBackend, outputLimit,
                backendUser, backendPassword);
    }

    public ProxyConfig withServerSettings(int newDatabases, int threads, Duration idleTimeout, String user, String password) {
        return new ProxyConfig(listen, master, replicas, readPolicy, newDatabases, limits, threads, connectTimeout, backendTimeout,
                partialRequestTimeout, idleTimeout, maxPipelinePerClient, maxInFlightPerBackend, clientOutputLimitBytes,
                user, password);
    }

    private static void require(boolean ok, String key, long value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(key + ": " + value + " (expected: " + expected + ")");
        }
    }

    @Override
    public String toString() {
        // Never print the password.
        return "ProxyConfig[listen=" + listen + ", master=" + master + ", replicas=" + replicas + ", readPolicy=" + readPolicy.label()
                + ", databases=" + databases + ", backendUser=" + backendUser + ", backendPassword=" + (backendPassword == null ? "none" : "***")
                + "]";
    }
}
