package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * The nodes a command for the whole group reaches (the master to write to, the replicas this loop reaches), and
 * how it talks to them: on the connections the client's own requests take ({@link ClientConnections#to}: the
 * loop's shared ones, or its own after an ACL login, so that Redis checks the client's user).
 */
final class GroupNodes {

    private final ProxyShared shared;
    private final LoopResources loop;
    private final ClientConnections connections;

    GroupNodes(ProxyShared shared, LoopResources loop, ClientConnections connections) {
        this.shared = shared;
        this.loop = loop;
        this.connections = connections;
    }

    Topology topology() {
        return shared.topology().current();
    }

    /** The master to write to now, or null during a failover. */
    NodeAddress master(Topology topology) {
        return loop.writableMaster(topology);
    }

    /** The replicas this loop reaches now; the others get the change from the monitor when they return. */
    List<NodeAddress> reachableReplicas(Topology topology) {
        return topology.replicas().stream()
                .filter(loop.pool.health()::isHealthy)
                .toList();
    }

    void send(NodeAddress node, List<byte[]> args, PendingReply reply) {
        connections.to(node).send(RespWriter.request(ByteBufAllocator.DEFAULT, args), reply, null);
    }

    /** Sends {@code words}; {@code then} gets the node's small reply, or why none came. */
    void call(NodeAddress node, List<String> words, Consumer<NodeCall.Outcome> then) {
        List<byte[]> args = new ArrayList<>(words.size());
        words.forEach(word -> args.add(word.getBytes(StandardCharsets.UTF_8)));
        send(node, args, new NodeCall(node, then));
    }
}
