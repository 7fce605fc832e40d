package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * Cluster mode: the proxy as a cluster-aware client sees it, one node that owns all 16384 slots, at the address
 * the client connected to (or the announce address). CLUSTER SLOTS, SHARDS, NODES, INFO, MYID, MYSHARDID and KEYSLOT are answered here, so
 * that a cluster client (Lettuce's RedisClusterClient, JedisCluster, ioredis' Cluster, {@code redis-cli -c})
 * sends everything to the proxy and never learns a node it would bypass it for; COUNTKEYSINSLOT and
 * GETKEYSINSLOT go to the slot's master; ASKING, READONLY and READWRITE are answered OK (the proxy follows
 * redirections itself). The CLUSTER subcommands that change or describe one node are refused.
 */
final class ClusterFacade {

    private final LaneContext lanes;
    private final ClusterRouting routing;
    private final ReplyOrderer replies;
    private final ClientState state;
    private final OwnConnections own;
    private final String nodeId;
    /** The address clients are given, or null for the one each connected to. */
    private final NodeAddress announce;

    private final String shardId;

    ClusterFacade(
            LaneContext lanes,
            ClusterRouting routing,
            ReplyOrderer replies,
            ClientState state,
            OwnConnections own,
            NodeAddress listen,
            NodeAddress announce) {
        this.announce = announce;
        this.lanes = lanes;
        this.routing = routing;
        this.replies = replies;
        this.state = state;
        this.own = own;
        this.nodeId = id("node " + listen);
        this.shardId = id("shard " + listen);
    }

    /** Runs {@code request} (ownership passes) when it is one of the facade's; false, with nothing taken, when not. */
    boolean run(RedisRequest request, Route route) {
        if (request.argEqualsIgnoreCase(0, "asking")
                || request.argEqualsIgnoreCase(0, "readonly")
                || request.argEqualsIgnoreCase(0, "readwrite")) {
            reply(request, request.argc() == 1 ? Replies.OK : Replies.wrongArity(request.lowerCaseArg(0)));
            return true;
        }
        if (!request.argEqualsIgnoreCase(0, "cluster") || request.argc() < 2) {
            return false;
        }
        String sub = request.lowerCaseArg(1);
        switch (sub) {
            case "info" -> reply(request, Replies.text(info(), own.protocol()));
            case "myid" -> reply(request, bulk(nodeId));
            case "myshardid" -> reply(request, bulk(shardId));
            case "slots" -> reply(request, slots());
            case "shards" -> {
                request.release();
                replies.replyLocal(shards());
            }
            case "nodes" -> reply(request, Replies.text(nodes(), own.protocol()));
            case "keyslot" ->
                reply(
                        request,
                        request.argc() == 3
                                ? new IntegerRedisMessage(HashSlots.of(request.arg(2)))
                                : Replies.wrongArity("cluster|keyslot"));
            case "countkeysinslot", "getkeysinslot" -> {
                long slot = request.argc() >= 3 ? request.argAsLong(2) : -1;
                if (slot < 0 || slot >= HashSlots.COUNT) {
                    reply(request, Replies.error("ERR Invalid or out of range slot"));
                } else {
                    routing.sendForSlot(request, route, lanes.forwardedSlot(route, true), (int) slot);
                }
            }
            default ->
                reply(request, Replies.error(ProxyErrors.clusterSubcommandRefused(sub.toUpperCase(Locale.ROOT))));
        }
        return true;
    }

    private void reply(RedisRequest request, RedisMessage answer) {
        request.release();
        replies.replyLocal(answer);
    }

    /** The announce address, or the address this client reached the proxy at: the one it should keep using. */
    private NodeAddress address() {
        if (announce != null) {
            return announce;
        }
        if (state.localAddress() instanceof InetSocketAddress local) {
            return new NodeAddress(local.getAddress().getHostAddress(), local.getPort());
        }
        return new NodeAddress("127.0.0.1", 0);
    }

    private String info() {
        boolean ok = routing.coversEverySlot();
        return "cluster_enabled:1\r\ncluster_state:" + (ok ? "ok" : "fail") + "\r\ncluster_slots_assigned:16384\r\n"
                + "cluster_slots_ok:16384\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\n"
                + "cluster_known_nodes:1\r\ncluster_size:1\r\ncluster_current_epoch:1\r\ncluster_my_epoch:1\r\n"
                + "cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n"
                + "total_cluster_links_buffer_limit_exceeded:0\r\n";
    }

    private RedisMessage slots() {
        NodeAddress address = address();
        RedisMessage node = new ArrayRedisMessage(List.of(
                bulk(address.host()),
                new IntegerRedisMessage(address.port()),
                bulk(nodeId),
                new ArrayRedisMessage(List.of())));
        return new ArrayRedisMessage(List.of(new ArrayRedisMessage(
                List.of(new IntegerRedisMessage(0), new IntegerRedisMessage(HashSlots.COUNT - 1), node))));
    }

    /** One shard with this proxy as its node: maps in RESP3 (as Redis answers), flat name-value arrays in RESP2. */
    private ByteBuf shards() {
        NodeAddress address = address();
        StringBuilder out = new StringBuilder("*1\r\n");
        mapHeader(out, 2);
        bulk(out, "slots").append("*2\r\n:0\r\n:").append(HashSlots.COUNT - 1).append("\r\n");
        bulk(out, "nodes").append("*1\r\n");
        mapHeader(out, 7);
        bulk(bulk(out, "id"), nodeId);
        bulk(out, "port").append(':').append(address.port()).append("\r\n");
        bulk(bulk(out, "ip"), address.host());
        bulk(bulk(out, "endpoint"), address.host());
        bulk(bulk(out, "role"), "master");
        bulk(out, "replication-offset").append(":0\r\n");
        bulk(bulk(out, "health"), "online");
        return Unpooled.copiedBuffer(out, StandardCharsets.UTF_8);
    }

    private void mapHeader(StringBuilder out, int pairs) {
        out.append(own.protocol() == RespVersion.RESP3 ? "%" + pairs : "*" + pairs * 2)
                .append("\r\n");
    }

    private static StringBuilder bulk(StringBuilder out, String text) {
        return out.append('$')
                .append(text.getBytes(StandardCharsets.UTF_8).length)
                .append("\r\n")
                .append(text)
                .append("\r\n");
    }

    private String nodes() {
        NodeAddress address = address();
        return nodeId + " " + address + "@0 myself,master - 0 0 1 connected 0-" + (HashSlots.COUNT - 1) + "\n";
    }

    private static RedisMessage bulk(String text) {
        return Replies.bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A stable 40-hex node id, as Redis' own look: the same on every connection to this proxy and across restarts. */
    private static String id(String seed) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(seed.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
