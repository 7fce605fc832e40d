package org.redisfailover.proxy.client;

import java.util.Set;
import org.redisfailover.protocol.command.ClusterCommands;
import org.redisfailover.protocol.command.CommandSpec;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * The "in cluster mode" column of docs/COMMANDS.md: what ClusterRouting, ClusterFacade and the lanes do with a
 * command in front of a Redis Cluster, from the same key specifications and tips they route by (those of the table
 * checked in; at run time the proxy reads the nodes' own).
 */
final class ClusterModeColumn {

    private static final Set<String> FACADE = Set.of(
            "cluster|info",
            "cluster|myid",
            "cluster|myshardid",
            "cluster|slots",
            "cluster|shards",
            "cluster|nodes",
            "cluster|keyslot");

    private ClusterModeColumn() {}

    static String describe(String name, CommandSpec spec, Route route) {
        if (name.equals("asking") || name.equals("readonly") || name.equals("readwrite")) {
            return "answered OK by the proxy (it follows redirections itself)";
        }
        if (FACADE.contains(name)) {
            return "answered by the proxy, as one node owning every slot";
        }
        if (name.equals("cluster|countkeysinslot") || name.equals("cluster|getkeysinslot")) {
            return "the slot's master";
        }
        if (name.equals("cluster") || name.startsWith("cluster|")) {
            String sub = name.contains("|") ? name.substring(name.indexOf('|') + 1) : "";
            return "refused: `-" + ProxyErrors.clusterSubcommandRefused(sub.toUpperCase(java.util.Locale.ROOT)) + "`";
        }
        if (name.equals("select")) {
            return "SELECT 0 answered OK; another database refused as Redis Cluster does";
        }
        if (name.equals("scan")) {
            return "every master in turn, with the proxy's cursor (docs/CLUSTER.md)";
        }
        switch (route.routingClass()) {
            case LOCAL, SESSION, DENY, CLOSE -> {
                return "as in group mode";
            }
            case PIN_TRANSACTION -> {
                return switch (name) {
                    case "multi" ->
                        "answered by the proxy, then sent ahead of the first command, on that command's master";
                    case "watch" -> "opens the transaction's connection on its key's master; keys elsewhere: CROSSSLOT";
                    default -> "as in group mode, on the transaction's master";
                };
            }
            case PIN_BLOCKING -> {
                return spec.keySpecs() > 0
                        ? "pinned: the slot's master; sent again to the new master, with the time left, if its slot moves"
                        : "pinned: a master";
            }
            case PIN_PUBSUB -> {
                return spec.keySpecs() > 0 ? "pinned: the channel's slot master" : "pinned: any master";
            }
            default -> {
                return spec.keySpecs() > 0 ? keyed(name, spec, route) : keyless(name, spec);
            }
        }
    }

    private static String keyed(String name, CommandSpec spec, Route route) {
        String where = route.routingClass().isRead()
                ? "the slot's master, or its replicas per `read-policy`"
                : "the slot's master";
        if (!"multi_shard".equals(spec.tip("request_policy")) || name.equals("msetnx")) {
            return where + " (keys in several slots: CROSSSLOT)";
        }
        if (name.equals("mset")) {
            return where + "; keys in several slots: CROSSSLOT, or split per slot with `--cluster-split-mset`";
        }
        String merge = spec.tip("response_policy");
        if (merge == null) {
            return where + "; keys in several slots: split per slot, the replies put back in key order";
        }
        return switch (merge) {
            case "agg_sum" -> where + "; keys in several slots: split per slot, the counts summed";
            case "all_succeeded" -> where + "; keys in several slots: split per slot, OK once every part is";
            default -> where + "; keys in several slots: CROSSSLOT";
        };
    }

    private static String keyless(String name, CommandSpec spec) {
        String request = spec.tip("request_policy");
        String response = spec.tip("response_policy");
        if (request == null && ClusterCommands.untippedNodeState(name)) {
            request = "all_nodes"; // the users, which the cluster does not spread: as ClusterCommands routes them
            response = "all_succeeded";
        }
        String remembered =
                name.equals("script|load") ? "; remembered, to load again where EVALSHA meets NOSCRIPT" : "";
        if ((!"all_shards".equals(request) && !"all_nodes".equals(request)) || "special".equals(response)) {
            return "one master, in turn" + remembered;
        }
        String targets = "all_shards".equals(request) ? "every master" : "every node";
        String merged = response == null
                ? "arrays concatenated, else the first reply that is not null"
                : switch (response) {
                    case "agg_sum" -> "summed";
                    case "agg_min" -> "the least";
                    case "agg_max" -> "the greatest";
                    case "agg_logical_and" -> "logical AND";
                    case "agg_logical_or" -> "logical OR";
                    case "one_succeeded" -> "the first success";
                    default -> "every node's success, or the first error";
                };
        return targets + "; " + merged + remembered;
    }
}
