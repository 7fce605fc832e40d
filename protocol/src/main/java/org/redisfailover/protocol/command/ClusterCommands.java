package org.redisfailover.protocol.command;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespValue;

/**
 * Every command the cluster's nodes know, as {@link ClusterCommand}s read from their own {@code COMMAND}
 * reply: no hand-kept list of keys or fan-outs, so a command a newer server or a module adds routes by its own
 * description the day it appears. Immutable; looked up in a request's bytes without allocating.
 */
public final class ClusterCommands {

    private record Entry(ClusterCommand command, NameTable<ClusterCommand> subcommands) {}

    private final NameTable<Entry> commands;
    private final int size;

    private ClusterCommands(Map<String, Entry> commands) {
        this.commands = new NameTable<>(commands);
        this.size = commands.size();
    }

    /** The table of a {@code COMMAND} reply (RESP2 or RESP3), as {@link RespValue} read it. */
    public static ClusterCommands parse(Object commandReply) {
        Map<String, Entry> entries = new HashMap<>();
        for (Object info : RespValue.list(commandReply)) {
            List<Object> fields = RespValue.list(info);
            if (fields.size() < 8) {
                continue;
            }
            ClusterCommand command = command(fields);
            Map<String, ClusterCommand> subcommands = new HashMap<>();
            if (fields.size() > 9) {
                for (Object sub : RespValue.list(fields.get(9))) {
                    List<Object> subFields = RespValue.list(sub);
                    if (subFields.size() >= 8) {
                        ClusterCommand subcommand = command(subFields);
                        subcommands.put(
                                subcommand.name().substring(subcommand.name().indexOf('|') + 1), subcommand);
                    }
                }
            }
            entries.put(command.name(), new Entry(command, new NameTable<>(subcommands)));
        }
        return new ClusterCommands(entries);
    }

    /**
     * Commands that change state each node keeps for itself, which Redis Cluster does not spread, and which Redis
     * 7.0 gives no request policy tip: the users. Redis' documentation has an operator run them on every node; the
     * proxy sends them to every node, as the {@code all_nodes} tip would, and answers once all succeeded. A server
     * that tips them itself is followed instead.
     */
    private static final Set<String> UNTIPPED_NODE_STATE = Set.of("acl|setuser", "acl|deluser", "acl|load");

    /** Whether {@code name} (lower case, {@code container|sub}) is sent to every node though its server gives no tip. */
    public static boolean untippedNodeState(String name) {
        return UNTIPPED_NODE_STATE.contains(name);
    }

    private static ClusterCommand command(List<Object> fields) {
        String name = RespValue.string(fields.get(0)).toLowerCase(Locale.ROOT);
        String requestPolicy = null;
        String responsePolicy = null;
        for (Object tip : RespValue.list(fields.get(7))) {
            String text = RespValue.string(tip);
            if (text != null && text.startsWith("request_policy:")) {
                requestPolicy = text.substring("request_policy:".length());
            } else if (text != null && text.startsWith("response_policy:")) {
                responsePolicy = text.substring("response_policy:".length());
            }
        }
        if (requestPolicy == null && untippedNodeState(name)) {
            requestPolicy = "all_nodes";
            responsePolicy = "all_succeeded";
        }
        List<KeySpec> specs = new ArrayList<>();
        if (fields.size() > 8) {
            for (Object spec : RespValue.list(fields.get(8))) {
                KeySpec parsed = KeySpec.parse(RespValue.list(spec));
                if (parsed != null) {
                    specs.add(parsed);
                }
            }
        }
        return new ClusterCommand(name, specs, requestPolicy, responsePolicy);
    }

    /** How many top-level commands the nodes reported. */
    public int size() {
        return size;
    }

    /** The command (the subcommand, for a container) {@code request} runs, or null when the nodes do not know it. */
    public ClusterCommand find(RedisRequest request) {
        Entry entry = commands.get(request.buffer(), request.argIndex(0), request.argLength(0));
        if (entry == null) {
            return null;
        }
        if (request.argc() >= 2) {
            ClusterCommand sub = entry.subcommands.get(request.buffer(), request.argIndex(1), request.argLength(1));
            if (sub != null) {
                return sub;
            }
        }
        return entry.command;
    }
}
