package org.redisfailover.monitor;

import java.net.ConnectException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.redisfailover.protocol.resp.InfoText;
import org.redisfailover.protocol.topology.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Probes one node: PING, then {@code INFO server replication persistence keyspace} (one round trip). Keeps one
 * connection and re-opens it after any failure; every call has the probe timeout, so a paused or half-dead
 * node costs at most that. Probes and the leader's commands share the connection, one at a time.
 */
final class NodeProber implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeProber.class);

    /** A bound on the replicas read from one master's INFO: discovery never grows without limit. */
    static final int MAX_REPORTED_REPLICAS = 64;

    private final NodeAddress address;
    private final NodeAddress dialAddress;
    private final DefaultJedisClientConfig clientConfig;
    private Jedis connection;
    /** Why the last probe failed, so that a node failing the same way logs once, not at every probe. */
    private String lastFailure;
    /** The BUSY error of the latest probe, or null when it was not answered so. */
    private String busyLine;

    /** Probes {@code address}, connecting to it at {@code dialAddress} (the same, unless the network translates). */
    NodeProber(NodeAddress address, NodeAddress dialAddress, int timeoutMillis, NodeAccess access) {
        this.address = address;
        this.dialAddress = dialAddress;
        this.clientConfig = access.clientConfig(timeoutMillis, "redis-failover-monitor");
    }

    synchronized NodeStatus probe() {
        busyLine = null;
        try {
            Jedis jedis = connection();
            try {
                jedis.ping();
            } catch (JedisDataException e) {
                // Sentinel's rule: a node that is loading its dataset or has lost its own master is alive.
                String message = String.valueOf(e.getMessage());
                if (message.startsWith("BUSY")) {
                    busyLine = message;
                    lastFailure = null;
                    return NodeStatus.unreachable(address, NodeStatus.Failure.BUSY);
                }
                if (!message.startsWith("LOADING") && !message.startsWith("MASTERDOWN")) {
                    throw e;
                }
            }
            NodeStatus status = parse(address, info(jedis));
            lastFailure = null;
            return status;
        } catch (JedisException | IllegalArgumentException e) {
            closeConnection();
            noteFailure(e);
            return NodeStatus.unreachable(address, failureOf(e));
        }
    }

    /**
     * A refused, reset or closed connection means no process serves the port: the node is dead. Anything else
     * (a timeout, a BUSY script, a refused login, a TLS failure) may be a live process that is slow, paused or
     * cut off, which only a longer silence turns into a failover.
     */
    static NodeStatus.Failure failureOf(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if ((cause instanceof ConnectException && message.contains("refused"))
                    || (cause instanceof SocketException
                            && (message.contains("reset") || message.contains("Broken pipe")))
                    || (cause instanceof JedisConnectionException && message.contains("Unexpected end of stream"))) {
                return NodeStatus.Failure.REFUSED;
            }
            // Jedis reports a failed connect as a suppressed exception of its own.
            for (Throwable suppressed : cause.getSuppressed()) {
                if (failureOf(suppressed) == NodeStatus.Failure.REFUSED) {
                    return NodeStatus.Failure.REFUSED;
                }
            }
        }
        return NodeStatus.Failure.NO_REPLY;
    }

    /** INFO with the sections a probe reads (Redis 7 takes several sections in one call). */
    static String info(Jedis jedis) {
        Object reply = jedis.sendCommand(Protocol.Command.INFO, "server", "replication", "persistence", "keyspace");
        return SafeEncoder.encode((byte[]) reply);
    }

    /** A node's status from its INFO server and replication text. */
    static NodeStatus parse(NodeAddress address, String info) {
        Map<String, String> fields = InfoText.fields(info);
        boolean master = "master".equals(fields.get("role"));
        NodeAddress masterOf = master || !fields.containsKey("master_host")
                ? null
                : new NodeAddress(fields.get("master_host"), Integer.parseInt(fields.get("master_port")));
        long offset = Long.parseLong(fields.getOrDefault(master ? "master_repl_offset" : "slave_repl_offset", "-1"));
        List<NodeAddress> replicas = new ArrayList<>();
        Map<NodeAddress, Long> acked = new HashMap<>();
        for (int i = 0; master && fields.containsKey("slave" + i) && i < MAX_REPORTED_REPLICAS; i++) {
            Map<String, String> replica = new HashMap<>();
            for (String pair : fields.get("slave" + i).split(",")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    replica.put(pair.substring(0, equals), pair.substring(equals + 1));
                }
            }
            if (replica.containsKey("ip") && replica.containsKey("port")) {
                NodeAddress attached = new NodeAddress(replica.get("ip"), Integer.parseInt(replica.get("port")));
                replicas.add(attached);
                if ("online".equals(replica.get("state")) && replica.containsKey("offset")) {
                    acked.put(attached, Long.parseLong(replica.get("offset")));
                }
            }
        }
        long keys = 0;
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (field.getKey().startsWith("db") && field.getValue().startsWith("keys=")) {
                int comma = field.getValue().indexOf(',');
                keys += Long.parseLong(field.getValue()
                        .substring(5, comma < 0 ? field.getValue().length() : comma));
            }
        }
        boolean linkUp = "up".equals(fields.get("master_link_status"));
        long linkDown =
                master || linkUp ? -1 : Long.parseLong(fields.getOrDefault("master_link_down_since_seconds", "-1"));
        String replid2 = fields.get("master_replid2");
        if (replid2 != null && replid2.chars().allMatch(c -> c == '0')) {
            replid2 = null; // Redis shows forty zeros when there is no previous id
        }
        return new NodeStatus(
                address,
                true,
                NodeStatus.Failure.NONE,
                master,
                masterOf,
                linkUp,
                linkDown,
                offset,
                fields.get("master_replid"),
                replid2,
                Long.parseLong(fields.getOrDefault("second_repl_offset", "-1")),
                fields.get("run_id"),
                Integer.parseInt(fields.getOrDefault("slave_priority", "100")),
                replicas,
                acked,
                "1".equals(fields.get("aof_enabled")),
                keys);
    }

    /**
     * Logs a probe failure that differs from the last one. A refused login (NOAUTH, WRONGPASS, a TLS
     * handshake) makes a live node look down, so it is a warning the operator must see, not a debug line.
     */
    private void noteFailure(Exception e) {
        String failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e.getCause() != null && e.getCause().getMessage() != null) {
            failure += " (" + e.getCause().getMessage() + ")";
        }
        if (!failure.equals(lastFailure)) {
            boolean refused =
                    e instanceof JedisDataException || failure.contains("SSL") || failure.contains("certificate");
            if (refused) {
                log.warn(
                        "probe of {} refused: {} (check backend-user/backend-password and the TLS settings)",
                        address,
                        failure);
            } else {
                log.debug("probe of {} failed: {}", address, failure);
            }
            lastFailure = failure;
        }
    }

    /**
     * Stops the script or function that keeps the node busy, as Sentinel does for a master busy past its down-after
     * time: the command the latest BUSY error names (SCRIPT KILL or FUNCTION KILL; a busy module names neither, and
     * nothing is sent). Returns Redis' answer, or null when nothing was sent. A script that has written cannot be
     * stopped this way (UNKILLABLE): the node stays busy, alive and routed to, until it ends or its operator stops the
     * server.
     */
    synchronized String killBusyScript() {
        String line = busyLine;
        String[] kill = line == null
                ? null
                : line.contains("FUNCTION KILL")
                        ? new String[] {"FUNCTION", "KILL"}
                        : line.contains("SCRIPT KILL") ? new String[] {"SCRIPT", "KILL"} : null;
        if (kill == null) {
            return null;
        }
        try {
            Object reply = connection().sendCommand(() -> SafeEncoder.encode(kill[0]), kill[1]);
            return reply instanceof byte[] bytes ? SafeEncoder.encode(bytes) : String.valueOf(reply);
        } catch (JedisDataException refused) {
            return refused.getMessage();
        } catch (JedisException e) {
            closeConnection();
            return "no answer (" + e.getMessage() + ")";
        }
    }

    /**
     * Runs a command other than a probe (REPLICAOF, CLIENT PAUSE) on the node, with the probe's timeouts; a
     * failure closes the connection (the next call opens a new one) and is rethrown.
     */
    synchronized <T> T command(Function<Jedis, T> command) {
        try {
            return command.apply(connection());
        } catch (JedisException e) {
            closeConnection();
            throw e;
        }
    }

    private Jedis connection() {
        if (connection == null) {
            connection = new Jedis(new HostAndPort(dialAddress.host(), dialAddress.port()), clientConfig);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (JedisException ignored) {
                // already broken: nothing to release
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeConnection();
    }
}
