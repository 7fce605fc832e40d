package org.redisfailover.proxy.client;

import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.redisfailover.protocol.command.ConfigPolicy;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.topology.GroupConfigStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CONFIG SET and CONFIG RESETSTAT for the whole group. A setting made on the master alone would be lost
 * at the next failover, so CONFIG SET goes to the master first (Redis 7 applies all of its parameters or
 * none: a refusal is the client's answer and nothing changed), then to every reachable replica, is then
 * recorded ({@link GroupConfigStore}: ZooKeeper, where the monitor re-applies it to nodes that join, return
 * or are promoted), and only then answered OK. A replica that refuses, or a record that fails, puts the
 * previous values back on the nodes that took the new ones, and the client is told. Parameters listed in
 * {@link ConfigPolicy} are refused before anything is sent.
 */
final class GroupConfigCommand {

    private static final Logger log = LoggerFactory.getLogger(GroupConfigCommand.class);
    private static final ConfigPolicy POLICY = ConfigPolicy.load();

    private final GroupNodes nodes;
    private final ProxyShared shared;
    private final ReplyOrderer replies;
    private final LaneContext lanes;
    private final EventLoop eventLoop;

    GroupConfigCommand(
            GroupNodes nodes, ProxyShared shared, ReplyOrderer replies, LaneContext lanes, EventLoop eventLoop) {
        this.nodes = nodes;
        this.shared = shared;
        this.replies = replies;
        this.lanes = lanes;
        this.eventLoop = eventLoop;
    }

    /** Runs CONFIG SET or CONFIG RESETSTAT (ownership of {@code request} passes). */
    void run(RedisRequest request, Route route) {
        try {
            if (request.lowerCaseArg(1).equals("set")) {
                set(request, route);
            } else {
                resetStat(request, route);
            }
        } finally {
            request.release();
        }
    }

    private void set(RedisRequest request, Route route) {
        if (request.argc() < 4) {
            replies.replyLocal(Replies.wrongArity("config|set"));
            return;
        }
        if (request.argc() % 2 != 0) {
            replies.replyLocal(Replies.error("ERR syntax error"));
            return;
        }
        List<String> pairs = new ArrayList<>();
        for (int i = 2; i < request.argc(); i++) {
            pairs.add(new String(request.arg(i), StandardCharsets.UTF_8));
        }
        for (int i = 0; i < pairs.size(); i += 2) {
            String refusal = POLICY.refusal(pairs.get(i));
            if (refusal != null) {
                replies.replyLocal(Replies.error(ProxyErrors.configSetRefused(pairs.get(i), refusal)));
                return;
            }
        }
        Topology topology = nodes.topology();
        NodeAddress master = nodes.master(topology);
        if (master == null) {
            replies.replyLocal(Replies.error(noMaster("CONFIG SET")));
            return;
        }
        List<NodeAddress> replicas = nodes.reachableReplicas(topology);
        new SetInProgress(lanes.forwardedSlot(route, false), pairs, master, replicas).readPrevious();
    }

    /** Every node's statistics are reset; the client gets the master's answer. */
    private void resetStat(RedisRequest request, Route route) {
        Topology topology = nodes.topology();
        NodeAddress master = nodes.master(topology);
        if (master == null) {
            replies.replyLocal(Replies.error(noMaster("CONFIG RESETSTAT")));
            return;
        }
        for (NodeAddress replica : nodes.reachableReplicas(topology)) {
            nodes.send(replica, request.args(), new IgnoredReply());
        }
        nodes.send(master, request.args(), lanes.forwardedSlot(route, false));
    }

    private static String noMaster(String command) {
        return ProxyErrors.groupCommandNeedsMaster(command);
    }

    /** One CONFIG SET, from reading the previous values to the client's answer. */
    private final class SetInProgress {

        private final ReplySlot slot;
        private final List<String> pairs;
        private final NodeAddress master;
        private final List<NodeAddress> replicas;
        private final List<NodeAddress> accepted = new ArrayList<>();
        private final Map<String, String> previous = new HashMap<>();
        private String replicaRefusal;
        private int awaited;

        SetInProgress(ReplySlot slot, List<String> pairs, NodeAddress master, List<NodeAddress> replicas) {
            this.slot = slot;
            this.pairs = pairs;
            this.master = master;
            this.replicas = replicas;
        }

        private void send(NodeAddress node, List<String> command, Consumer<NodeCall.Outcome> then) {
            nodes.call(node, command, then);
        }

        /** The master's current values, to put back if a replica refuses the new ones. */
        private void readPrevious() {
            List<String> get = new ArrayList<>(List.of("CONFIG", "GET"));
            for (int i = 0; i < pairs.size(); i += 2) {
                get.add(pairs.get(i));
            }
            send(master, get, outcome -> {
                List<String> values = outcome.bulks();
                for (int i = 0; i + 1 < values.size(); i += 2) {
                    previous.put(values.get(i).toLowerCase(Locale.ROOT), values.get(i + 1));
                }
                setOnMaster();
            });
        }

        private void setOnMaster() {
            send(master, command(pairs), outcome -> {
                if (outcome.error()) {
                    slot.complete(Replies.error(outcome.errorLine())); // Redis refused: nothing changed anywhere
                } else if (!outcome.ok()) {
                    slot.completeLost(master, outcome.failure() == null ? "unexpected reply" : outcome.failure());
                } else {
                    setOnReplicas();
                }
            });
        }

        private void setOnReplicas() {
            awaited = replicas.size();
            if (awaited == 0) {
                record();
            }
            for (NodeAddress replica : replicas) {
                send(replica, command(pairs), outcome -> {
                    if (outcome.ok()) {
                        accepted.add(replica);
                    } else if (outcome.error() && replicaRefusal == null) {
                        replicaRefusal = "replica " + replica + " refused it (" + outcome.errorLine() + ")";
                    } else if (!outcome.error()) {
                        // Unreachable now: the monitor applies the recorded settings when it returns.
                        log.warn("CONFIG SET {} did not reach replica {}: {}", names(), replica, outcome.failure());
                    }
                    if (--awaited == 0) {
                        if (replicaRefusal != null) {
                            undo(replicaRefusal);
                        } else {
                            record();
                        }
                    }
                });
            }
        }

        private void record() {
            shared.configStore()
                    .record(config -> config.with(pairs))
                    .whenComplete((done, failure) -> eventLoop.execute(() -> {
                        if (failure != null) {
                            undo("it could not be recorded in ZooKeeper (" + failure.getMessage() + ")");
                        } else {
                            log.info("CONFIG SET {} applied to master {} and replicas {}", names(), master, accepted);
                            slot.complete(Replies.OK);
                        }
                    }));
        }

        /**
         * Puts the previous values back on the master and on the replicas that took the new ones; the client is
         * answered once they are back, so that what it reads next is the group as it was.
         */
        private void undo(String why) {
            List<String> restore = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i += 2) {
                String old = previous.get(pairs.get(i).toLowerCase(Locale.ROOT));
                if (old != null) {
                    restore.add(pairs.get(i));
                    restore.add(old);
                }
            }
            log.warn("CONFIG SET {} undone: {}", names(), why);
            String error = ProxyErrors.configSetUndone(why);
            List<NodeAddress> changed = new ArrayList<>(accepted);
            changed.add(master);
            if (restore.isEmpty()) {
                slot.complete(Replies.error(error));
                return;
            }
            awaited = changed.size();
            for (NodeAddress node : changed) {
                send(node, command(restore), outcome -> {
                    if (!outcome.ok()) {
                        log.error(
                                "could not restore {} on {} after a failed CONFIG SET: {}",
                                restore,
                                node,
                                outcome.error() ? outcome.errorLine() : outcome.failure());
                    }
                    if (--awaited == 0) {
                        slot.complete(Replies.error(error));
                    }
                });
            }
        }

        private List<String> names() {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i += 2) {
                names.add(pairs.get(i));
            }
            return names;
        }
    }

    private static List<String> command(List<String> pairs) {
        List<String> command = new ArrayList<>(pairs.size() + 2);
        command.add("CONFIG");
        command.add("SET");
        command.addAll(pairs);
        return command;
    }
}
