package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * SCRIPT KILL and FUNCTION KILL. Redis runs them while a script keeps it busy, but on the loop's shared
 * connection they could queue behind that very script; and a read-only script may run on a replica. So each
 * goes to every node of the group (in front of a cluster, every node of the cluster) this loop reaches, on a connection of its own that only logs in
 * ({@link BackendConnection.Purpose#URGENT}), as the client's own Redis user when it has one: Redis checks that
 * user's permission. The answer is what Redis answers: OK when a node stopped a script; else the first refusal
 * other than NOTBUSY (UNKILLABLE for a script that has written, a permission error); else NOTBUSY.
 */
final class ScriptKill {

    private final ProxyShared shared;
    private final LoopResources loop;
    private final OwnConnections own;
    private final ReplyOrderer replies;
    private final LaneContext lanes;
    /** Every node a script may run on: the group's master and replicas, or every node of the cluster. */
    private final Supplier<List<NodeAddress>> nodes;

    ScriptKill(
            ProxyShared shared,
            LoopResources loop,
            OwnConnections own,
            ReplyOrderer replies,
            LaneContext lanes,
            Supplier<List<NodeAddress>> nodes) {
        this.shared = shared;
        this.loop = loop;
        this.own = own;
        this.replies = replies;
        this.lanes = lanes;
        this.nodes = nodes;
    }

    /** The nodes of the group a script may run on: its master and replicas. */
    static List<NodeAddress> groupNodes(ProxyShared shared) {
        Topology topology = shared.topology().current();
        List<NodeAddress> nodes = new ArrayList<>();
        if (topology.master() != null) {
            nodes.add(topology.master());
        }
        nodes.addAll(topology.replicas());
        return nodes;
    }

    /** Runs SCRIPT KILL or FUNCTION KILL (ownership of {@code request} passes). */
    void run(RedisRequest request, Route route) {
        List<byte[]> args = request.args();
        request.release();
        List<NodeAddress> nodes = new ArrayList<>(this.nodes.get());
        nodes.removeIf(node -> !loop.pool.health().isHealthy(node));
        if (nodes.isEmpty()) {
            replies.replyLocal(Replies.error(ProxyErrors.noNodeForKill(route.displayName())));
            return;
        }
        new Answers(lanes.forwardedSlot(route, false), route.displayName(), nodes.size()).sendTo(nodes, args);
    }

    /** The nodes' answers to one kill, merged into the client's. */
    private final class Answers {
        private final ReplySlot slot;
        private final String command;
        private int awaited;
        private boolean killed;
        private String refusal;
        private String notBusy;
        private String failure;

        Answers(ReplySlot slot, String command, int awaited) {
            this.slot = slot;
            this.command = command;
            this.awaited = awaited;
        }

        void sendTo(List<NodeAddress> nodes, List<byte[]> args) {
            Handshake login = own.handshake().withProtocol(RespVersion.RESP2);
            for (NodeAddress node : nodes) {
                BackendConnection connection = loop.pool.urgent(node, login);
                connection.send(
                        RespWriter.request(ByteBufAllocator.DEFAULT, args),
                        new NodeCall(node, outcome -> {
                            connection.close();
                            take(outcome);
                        }),
                        null);
            }
        }

        private void take(NodeCall.Outcome outcome) {
            if (outcome.ok()) {
                killed = true;
                loop.pool.scriptStopped(outcome.node());
            } else if (outcome.error() && outcome.errorLine().startsWith("NOTBUSY")) {
                notBusy = outcome.errorLine();
            } else if (outcome.error()) {
                refusal = refusal == null ? outcome.errorLine() : refusal;
            } else if (failure == null) {
                failure = ProxyErrors.killNotDelivered(command, outcome.node(), outcome.failure());
            }
            if (--awaited > 0) {
                return;
            }
            if (killed) {
                slot.complete(Replies.OK);
            } else if (refusal != null) {
                slot.complete(Replies.error(refusal));
            } else if (failure != null) {
                slot.complete(Replies.error(failure)); // a node that may be running the script did not answer
            } else {
                slot.complete(Replies.error(notBusy));
            }
        }
    }
}
