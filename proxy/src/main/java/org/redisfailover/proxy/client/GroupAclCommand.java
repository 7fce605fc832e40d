package org.redisfailover.proxy.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.AclRules;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.ProxyShared;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ACL SETUSER, DELUSER, LOAD and SAVE for the whole group. Redis does not replicate ACL users, so a user made on
 * the master alone would fail its clients after the next failover.
 *
 * <p>The client's command runs on the master first, on the connection the client's requests take (its own, as its
 * own Redis user, when it has one): Redis checks the permission, and a refusal is the answer, with nothing changed
 * anywhere. What the command changed is read from the master ({@code ACL LIST} just before and just after it, in
 * the same write: the users set and deleted, secrets hashed as Redis keeps them; the client's user needs ACL LIST
 * too) and applied to every reachable replica, then recorded in
 * ZooKeeper, where the monitor applies it to nodes that return, join or are promoted. A replica that refuses, or a
 * record that fails, puts the master and the replicas that took the change back as they were, and the client is
 * told. The user the proxy and its monitor log in as is refused before anything is sent: a change to it made
 * through the proxy could lock them out of every node. ACL SAVE runs on every node (each writes its own file).
 */
final class GroupAclCommand {

    private static final Logger log = LoggerFactory.getLogger(GroupAclCommand.class);
    private static final List<String> ACL_LIST = List.of("ACL", "LIST");

    private final GroupNodes nodes;
    private final ProxyShared shared;
    private final ReplyOrderer replies;
    private final LaneContext lanes;
    private final EventLoop eventLoop;

    GroupAclCommand(
            GroupNodes nodes, ProxyShared shared, ReplyOrderer replies, LaneContext lanes, EventLoop eventLoop) {
        this.nodes = nodes;
        this.shared = shared;
        this.replies = replies;
        this.lanes = lanes;
        this.eventLoop = eventLoop;
    }

    /** Runs ACL SETUSER, DELUSER, LOAD or SAVE (ownership of {@code request} passes). */
    void run(RedisRequest request, Route route) {
        try {
            String refusal = protectedUserRefusal(request, route);
            if (refusal != null) {
                replies.replyLocal(Replies.error(refusal));
                return;
            }
            Topology topology = nodes.topology();
            NodeAddress master = nodes.master(topology);
            if (master == null) {
                replies.replyLocal(Replies.error(ProxyErrors.groupCommandNeedsMaster(route.displayName())));
                return;
            }
            List<NodeAddress> replicas = nodes.reachableReplicas(topology);
            ReplySlot slot = lanes.forwardedSlot(route, false);
            if (request.lowerCaseArg(1).equals("save")) {
                save(request.args(), master, replicas, slot);
            } else {
                new Change(slot, route.displayName(), request.args(), master, replicas).start();
            }
        } finally {
            request.release();
        }
    }

    /** The user the proxy logs in as (its monitor shares it): never changed or deleted through the proxy. */
    private String protectedUser() {
        String user = shared.config().backendUser();
        return user == null ? "default" : user;
    }

    private String protectedUserRefusal(RedisRequest request, Route route) {
        String subcommand = request.lowerCaseArg(1);
        int last = subcommand.equals("setuser") ? Math.min(request.argc() - 1, 2) : request.argc() - 1;
        if (!subcommand.equals("setuser") && !subcommand.equals("deluser")) {
            return null;
        }
        for (int i = 2; i <= last; i++) {
            if (request.argAsString(i).equals(protectedUser())) {
                return ProxyErrors.protectedAclUser(route.displayName(), protectedUser());
            }
        }
        return null;
    }

    /** ACL SAVE: each node writes its own ACL file; the client gets the master's answer. */
    private void save(List<byte[]> args, NodeAddress master, List<NodeAddress> replicas, ReplySlot slot) {
        for (NodeAddress replica : replicas) {
            send(replica, args, new IgnoredReply());
        }
        send(master, args, slot);
    }

    private void send(NodeAddress node, List<byte[]> args, PendingReply reply) {
        nodes.send(node, args, reply);
    }

    private void send(NodeAddress node, List<String> words, Consumer<NodeCall.Outcome> then) {
        nodes.call(node, words, then);
    }

    /** One SETUSER, DELUSER or LOAD, from reading the master's users to the client's answer. */
    private final class Change {

        private final ReplySlot slot;
        private final String command;
        private final List<byte[]> args;
        private final NodeAddress master;
        private final List<NodeAddress> replicas;
        private final List<NodeAddress> accepted = new ArrayList<>();
        private NodeCall.Outcome beforeRead;
        private NodeCall.Outcome masterOutcome;
        private Map<String, String> before;
        private final Map<String, String> set = new LinkedHashMap<>();
        private final Set<String> deleted = new LinkedHashSet<>();
        private byte[] masterReply;
        private String replicaRefusal;
        private int awaited;

        Change(ReplySlot slot, String command, List<byte[]> args, NodeAddress master, List<NodeAddress> replicas) {
            this.slot = slot;
            this.command = command;
            this.args = args;
            this.master = master;
            this.replicas = replicas;
        }

        /**
         * The master's users, the client's command and the master's users again, in one write: Redis runs a
         * connection's pipelined commands back to back, so nothing else (another proxy, the monitor bringing the
         * master to an older record) comes between them, and the difference is exactly what the command changed.
         */
        void start() {
            send(master, ACL_LIST, outcome -> beforeRead = outcome);
            send(master, args, new NodeCall(master, outcome -> masterOutcome = outcome));
            send(master, ACL_LIST, this::afterRead);
        }

        private void afterRead(NodeCall.Outcome after) {
            if (masterOutcome.error()) {
                slot.complete(Replies.error(masterOutcome.errorLine())); // Redis refused: nothing changed anywhere
                return;
            }
            if (masterOutcome.frame() == null) {
                slot.completeLost(master, masterOutcome.failure());
                return;
            }
            masterReply = masterOutcome.frame();
            NodeCall.Outcome unread = !readable(beforeRead) ? beforeRead : !readable(after) ? after : null;
            if (unread != null) {
                String why = unread.error() ? unread.errorLine() : unread.failure();
                log.error("{} ran on master {} but could not be read back to spread it: {}", command, master, why);
                slot.complete(Replies.error(ProxyErrors.aclNotSpread(command, master, why)));
                return;
            }
            before = AclRules.parse(beforeRead.bulks());
            Map<String, String> users = AclRules.parse(after.bulks());
            users.forEach((name, rules) -> {
                if (!rules.equals(before.get(name))) {
                    set.put(name, rules);
                }
            });
            before.keySet().stream().filter(name -> !users.containsKey(name)).forEach(deleted::add);
            set.remove(protectedUser()); // an ACL LOAD may change it on the master: never spread from here
            deleted.remove(protectedUser());
            if (set.isEmpty() && deleted.isEmpty()) {
                log.info("{} changed no user on master {}: nothing to spread", command, master);
                answer();
            } else {
                applyToReplicas();
            }
        }

        private static boolean readable(NodeCall.Outcome outcome) {
            return outcome.frame() != null && !outcome.error();
        }

        private void applyToReplicas() {
            awaited = replicas.size();
            if (awaited == 0) {
                record();
            }
            for (NodeAddress replica : replicas) {
                apply(replica, set, deleted, refusal -> {
                    if (refusal == null) {
                        accepted.add(replica);
                    } else if (refusal.startsWith("-") && replicaRefusal == null) {
                        replicaRefusal = "replica " + replica + " refused it (" + refusal.substring(1) + ")";
                    } else if (!refusal.startsWith("-")) {
                        // Unreachable now: the monitor applies the recorded users when it returns.
                        log.warn("{} did not reach replica {}: {}", command, replica, refusal);
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
                    .record(config -> config.withUsers(set, deleted))
                    .whenComplete((done, failure) -> eventLoop.execute(() -> {
                        if (failure != null) {
                            undo("it could not be recorded in ZooKeeper (" + failure.getMessage() + ")");
                        } else {
                            log.info(
                                    "{} applied to master {} and replicas {}: users set {}, deleted {}",
                                    command,
                                    master,
                                    accepted,
                                    set.keySet(),
                                    deleted);
                            answer();
                        }
                    }));
        }

        private void answer() {
            slot.complete(Unpooled.wrappedBuffer(masterReply));
        }

        /** Puts the users back as they were on the master and the replicas that took the change, then answers. */
        private void undo(String why) {
            log.warn("{} undone: {}", command, why);
            Map<String, String> restore = new LinkedHashMap<>();
            Set<String> remove = new LinkedHashSet<>();
            for (String name : union()) {
                if (before.containsKey(name)) {
                    restore.put(name, before.get(name));
                } else {
                    remove.add(name);
                }
            }
            List<NodeAddress> changed = new ArrayList<>(accepted);
            changed.add(master);
            awaited = changed.size();
            for (NodeAddress node : changed) {
                apply(node, restore, remove, failure -> {
                    if (failure != null) {
                        log.error(
                                "could not restore the ACL users {} on {} after {}: {}",
                                union(),
                                node,
                                command,
                                failure);
                    }
                    if (--awaited == 0) {
                        slot.complete(Replies.error(ProxyErrors.aclUndone(command, why)));
                    }
                });
            }
        }

        private Set<String> union() {
            Set<String> names = new LinkedHashSet<>(set.keySet());
            names.addAll(deleted);
            return names;
        }
    }

    /**
     * Brings {@code node}'s users to {@code set} (name to rules) and deletes {@code deleted}, pipelined; {@code done}
     * hears null, or the first refusal ('-' and Redis' error line) or failure to reach the node.
     */
    private void apply(NodeAddress node, Map<String, String> set, Set<String> deleted, Consumer<String> done) {
        List<List<String>> commands = AclRules.commands(set, deleted);
        String[] first = new String[1];
        int[] left = {commands.size()};
        for (List<String> command : commands) {
            send(node, command, outcome -> {
                if (first[0] == null && outcome.error()) {
                    first[0] = "-" + outcome.errorLine();
                } else if (first[0] == null && outcome.frame() == null) {
                    first[0] = outcome.failure();
                }
                if (--left[0] == 0) {
                    done.accept(first[0]);
                }
            });
        }
    }
}
