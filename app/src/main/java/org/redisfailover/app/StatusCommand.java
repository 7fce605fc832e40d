package org.redisfailover.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.monitor.SwitchHistory;
import org.redisfailover.protocol.topology.MonitorView;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ProxyRegistration;
import org.redisfailover.protocol.topology.ReplicaAcksAgreement;
import org.redisfailover.protocol.topology.SyncSet;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@code redis-failover status}: what ZooKeeper and the Redis nodes say right now: the topology, each
 * node's role and replication lag, the monitors (and which leads), the proxies (and the epoch each
 * has applied) and the recent failovers and switchovers. Readable in a terminal, or {@code --json}.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description =
                "Shows the topology, the Redis nodes' roles and lag, the monitors, the proxies and recent failovers.")
public final class StatusCommand implements Callable<Integer> {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigFileOption config = new ConfigFileOption();

    @CommandLine.Mixin
    ZooKeeperOptions zooKeeper = new ZooKeeperOptions();

    @CommandLine.Mixin
    LogOptions logs = new LogOptions();

    @CommandLine.Mixin
    BackendOptions backend = new BackendOptions();

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(
            names = "--events",
            defaultValue = "10",
            description = "How many recent failovers and switchovers to show (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(
            names = "--cluster",
            paramLabel = "HOST:PORT",
            split = ",",
            description = "Cluster mode: show the shards of the Redis Cluster these seed nodes belong to (slots, "
                    + "masters, replicas with health and offset) instead of a group in ZooKeeper.")
    List<String> cluster = List.of();

    @Override
    public Integer call() throws Exception {
        if (!cluster.isEmpty()) {
            return clusterStatus();
        }
        ZkLayout layout;
        ZkAccess zkAccess;
        NodeAccess access;
        try {
            layout = zooKeeper.layout();
            zkAccess = zooKeeper.access();
            // As the caller's logging is (a command run inside the demo or a test) unless --log-level says otherwise.
            logs.apply(LogSetup.ownLevel(), Arrays.asList(backend.password()));
            access = backend.access();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (CuratorFramework client =
                ZooKeeperClients.connect(zooKeeper.zk, Duration.ofSeconds(10), zkAccess, layout)) {
            if (!client.getZookeeperClient().isConnected()) {
                spec.commandLine().getErr().println("redis-failover: cannot reach ZooKeeper at " + zooKeeper.zk);
                return 1;
            }
            ObjectNode status = collect(client, layout, Math.max(0, events), access);
            PrintWriter out = spec.commandLine().getOut();
            List<String> problems = problems(status);
            if (!problems.isEmpty()) {
                status.set("problems", MAPPER.valueToTree(problems));
            }
            out.println(json ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(status) : text(status));
            out.flush();
            if (status.path("topology").isNull()) {
                return 1;
            }
            if (!problems.isEmpty() && !json) {
                spec.commandLine()
                        .getErr()
                        .println("redis-failover: the group is not healthy: " + String.join("; ", problems));
            }
            return problems.isEmpty() ? 0 : UNHEALTHY;
        }
    }

    private int clusterStatus() throws Exception {
        NodeAccess access;
        List<NodeAddress> seeds;
        try {
            logs.apply(LogSetup.ownLevel(), Arrays.asList(backend.password()));
            access = backend.access();
            seeds = cluster.stream().map(NodeAddress::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ObjectNode status = ClusterStatus.collect(seeds, access);
        if (status == null) {
            spec.commandLine().getErr().println("redis-failover: no cluster node answered among " + seeds);
            return 1;
        }
        List<String> problems = ClusterStatus.problems(status);
        if (!problems.isEmpty()) {
            status.set("problems", MAPPER.valueToTree(problems));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(
                json ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(status) : ClusterStatus.text(status));
        out.flush();
        if (!problems.isEmpty() && !json) {
            spec.commandLine()
                    .getErr()
                    .println("redis-failover: the cluster is not healthy: " + String.join("; ", problems));
        }
        return problems.isEmpty() ? 0 : UNHEALTHY;
    }

    /** The exit status when the group can be read but is not healthy (no master, a proxy fenced, no leader). */
    static final int UNHEALTHY = 3;

    /** What makes the group unhealthy, for scripts and health checks ({@link #UNHEALTHY}); empty when it is healthy. */
    static List<String> problems(JsonNode status) {
        List<String> problems = new ArrayList<>();
        JsonNode topology = status.path("topology");
        if (!topology.isMissingNode()
                && !topology.isNull()
                && topology.path("master").isNull()) {
            problems.add("no master at epoch " + topology.path("epoch").asLong());
        }
        if (status.path("leader").isNull()) {
            problems.add("no monitor leads the group");
        }
        for (JsonNode proxy : status.path("proxies")) {
            if (proxy.path("fenced").asBoolean()) {
                problems.add("proxy " + proxy.path("address").asText() + " is fenced");
            }
        }
        return problems;
    }

    static ObjectNode collect(CuratorFramework client, ZkLayout layout, int maxEvents, NodeAccess access)
            throws Exception {
        ObjectNode status = MAPPER.createObjectNode();
        status.put("zkPath", layout.root());
        Topology topology = null;
        try {
            topology = TopologyJson.decode(client.getData().forPath(layout.topology()));
        } catch (KeeperException.NoNodeException e) {
            status.putNull("topology");
        }
        if (topology != null) {
            status.set("topology", MAPPER.readTree(TopologyJson.encode(topology)));
            status.set("nodes", nodes(topology, access));
        }
        try {
            status.set(
                    "syncSet",
                    MAPPER.valueToTree(SyncSet.decode(client.getData().forPath(layout.syncSet()))));
        } catch (KeeperException.NoNodeException e) {
            // not in safe mode
        } catch (IllegalArgumentException unreadable) {
            status.set("syncSet", MAPPER.createObjectNode().put("error", unreadable.getMessage()));
        }
        status.put("leader", leader(client, layout));
        status.set("monitors", children(client, layout.monitors(), MonitorView::decode));
        status.set("proxies", children(client, layout.proxies(), ProxyRegistration::decode));
        Map<String, Integer> safeModes = new HashMap<>();
        for (Map.Entry<String, String> kind :
                Map.of("monitors", "monitor", "proxies", "proxy").entrySet()) {
            for (JsonNode member : status.path(kind.getKey())) {
                if (member.hasNonNull("minReplicaAcks")) {
                    safeModes.put(
                            kind.getValue() + " " + member.path("id").asText(),
                            member.path("minReplicaAcks").asInt());
                }
            }
        }
        String mismatch = ReplicaAcksAgreement.mismatch(safeModes);
        if (mismatch != null) {
            status.put("minReplicaAcksMismatch", mismatch);
        }
        status.set("events", MAPPER.valueToTree(SwitchHistory.recent(client, layout, maxEvents)));
        return status;
    }

    /** Each node's role and offset as it reports them, and each replica's lag behind the master. */
    private static ArrayNode nodes(Topology topology, NodeAccess access) {
        Set<NodeAddress> all = new LinkedHashSet<>();
        if (topology.master() != null) {
            all.add(topology.master());
        }
        all.addAll(topology.replicas());
        ArrayNode nodes = MAPPER.createArrayNode();
        long masterOffset = -1;
        for (NodeAddress node : all) {
            ObjectNode entry = nodes.addObject();
            entry.put("address", node.toString());
            entry.put("routedAs", node.equals(topology.master()) ? "master" : "replica");
            try (Jedis jedis = new Jedis(
                    new HostAndPort(node.host(), node.port()), access.clientConfig(1_000, "redis-failover-status"))) {
                String info = jedis.info("replication");
                String role = field(info, "role");
                long offset =
                        Long.parseLong(field(info, "master".equals(role) ? "master_repl_offset" : "slave_repl_offset"));
                entry.put("role", role);
                entry.put("offset", offset);
                if ("master".equals(role) && node.equals(topology.master())) {
                    masterOffset = offset;
                } else {
                    entry.put("link", field(info, "master_link_status"));
                }
            } catch (JedisException | NumberFormatException e) {
                entry.put("role", "unreachable");
            }
        }
        for (JsonNode entry : nodes) {
            if (masterOffset >= 0 && "slave".equals(entry.path("role").asText())) {
                ((ObjectNode) entry)
                        .put("lagBytes", masterOffset - entry.path("offset").asLong());
            }
        }
        return nodes;
    }

    private static String field(String info, String name) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return "";
    }

    /** The leader latch's owner: the participant whose latch node has the lowest sequence number. */
    private static String leader(CuratorFramework client, ZkLayout layout) throws Exception {
        try {
            List<String> latches = new ArrayList<>(client.getChildren().forPath(layout.leader()));
            latches.sort(Comparator.comparing(name -> name.substring(name.lastIndexOf('-') + 1)));
            for (String latch : latches) {
                try {
                    return new String(client.getData().forPath(layout.leader() + "/" + latch), StandardCharsets.UTF_8);
                } catch (KeeperException.NoNodeException gone) {
                    // that participant just left; the next one leads
                }
            }
        } catch (KeeperException.NoNodeException e) {
            // no monitor has ever run
        }
        return null;
    }

    /** The children of {@code path} as the records {@code decode} reads (the one schema of each znode), with their names as ids. */
    private static ArrayNode children(CuratorFramework client, String path, Function<byte[], ?> decode)
            throws Exception {
        ArrayNode result = MAPPER.createArrayNode();
        List<String> names;
        try {
            names = client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return result;
        }
        for (String name : names.stream().sorted().toList()) {
            try {
                ObjectNode entry =
                        MAPPER.valueToTree(decode.apply(client.getData().forPath(path + "/" + name)));
                entry.put("id", name);
                result.add(entry);
            } catch (KeeperException.NoNodeException gone) {
                // its session ended meanwhile
            } catch (IllegalArgumentException unreadable) {
                result.add(MAPPER.createObjectNode().put("id", name).put("error", unreadable.getMessage()));
            }
        }
        return result;
    }

    private static String timings(JsonNode event) {
        StringBuilder timings = new StringBuilder();
        for (String part : List.of("detectionMs", "decisionMs", "proxiesMs", "promotionMs", "totalMs")) {
            if (event.hasNonNull(part)) {
                timings.append(timings.isEmpty() ? "  (" : ", ")
                        .append(part, 0, part.length() - 2)
                        .append(' ')
                        .append(event.path(part).asLong())
                        .append(" ms");
            }
        }
        return timings.isEmpty() ? "" : timings.append(')').toString();
    }

    static String text(ObjectNode status) {
        StringBuilder out = new StringBuilder();
        JsonNode topology = status.path("topology");
        if (topology.isNull()) {
            return "no topology under " + status.path("zkPath").asText() + " yet (no monitor has seeded it)";
        }
        out.append(String.format(
                "topology %s  epoch %d  %s  master %s%n",
                status.path("zkPath").asText(),
                topology.path("epoch").asLong(),
                topology.path("state").asText(),
                topology.path("master").isNull()
                        ? "(none)"
                        : topology.path("master").asText()));
        out.append(String.format("%nnodes%n"));
        for (JsonNode node : status.path("nodes")) {
            out.append(String.format(
                    "  %-22s routed as %-8s role %-11s offset %-10s %s%n",
                    node.path("address").asText(),
                    node.path("routedAs").asText(),
                    node.path("role").asText(),
                    node.path("offset").asText("-"),
                    node.has("lagBytes")
                            ? "lag " + node.path("lagBytes").asLong() + " B, link "
                                    + node.path("link").asText()
                            : ""));
        }
        JsonNode syncSet = status.path("syncSet");
        if (syncSet.has("master")) {
            out.append(String.format(
                    "%nsafe mode: replicas that may have acknowledged writes of %s: %s%n",
                    syncSet.path("master").asText(), syncSet.path("members")));
            syncSet.path("rejoining")
                    .fields()
                    .forEachRemaining(member -> out.append(String.format(
                            "  %s restarted (run id %s): counted once the master has it online at offset %d%n",
                            member.getKey(),
                            member.getValue().path("runId").asText(),
                            member.getValue().path("offset").asLong())));
        }
        if (status.has("minReplicaAcksMismatch")) {
            out.append(String.format(
                    "%nSAFE MODE MISMATCH: %s%n",
                    status.path("minReplicaAcksMismatch").asText()));
        }
        out.append(String.format(
                "%nmonitors (leader: %s)%n",
                status.path("leader").isNull() ? "none" : status.path("leader").asText()));
        for (JsonNode monitor : status.path("monitors")) {
            out.append(String.format(
                    "  %-30s sees down: %s%s%n",
                    monitor.path("id").asText(),
                    monitor.path("down"),
                    monitor.path("minReplicaAcks").asInt(0) > 0
                            ? "  min-replica-acks "
                                    + monitor.path("minReplicaAcks").asInt()
                            : ""));
        }
        out.append(String.format("%nproxies%n"));
        for (JsonNode proxy : status.path("proxies")) {
            out.append(String.format(
                    "  %-22s applied epoch %d%s%s%n",
                    proxy.path("address").asText(),
                    proxy.path("epoch").asLong(),
                    proxy.path("fenced").asBoolean() ? "  FENCED" : "",
                    proxy.path("minReplicaAcks").asInt(0) > 0
                            ? "  min-replica-acks "
                                    + proxy.path("minReplicaAcks").asInt()
                            : ""));
        }
        out.append(String.format("%nrecent failovers and switchovers (oldest first)%n"));
        if (status.path("events").isEmpty()) {
            out.append(String.format("  none%n"));
        }
        for (JsonNode event : status.path("events")) {
            out.append(String.format(
                    "  %s  %-10s %-8s %s -> %s  epoch %d%s%n      %s%n",
                    Instant.ofEpochMilli(event.path("atMillis").asLong()).truncatedTo(ChronoUnit.MILLIS),
                    event.path("kind").asText(),
                    event.path("outcome").asText(),
                    event.path("from").asText("?"),
                    event.path("to").asText("-"),
                    event.path("epoch").asLong(),
                    timings(event),
                    event.path("detail").asText("")));
        }
        return out.toString().stripTrailing();
    }
}
