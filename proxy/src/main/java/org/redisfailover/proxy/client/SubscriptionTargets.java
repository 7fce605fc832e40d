package org.redisfailover.proxy.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Where a client's request in subscribed mode goes, given the links it has: channels, patterns and the rest of
 * subscribed mode to the home link, names that live on every master to each of them as well, shard channels to
 * the link holding them or their slot's master. Confined to the client's event loop.
 */
final class SubscriptionTargets {

    /** Where a part of a request goes; {@code answers}: its confirmations are the client's. */
    record Target(NodeAddress node, List<byte[]> args, boolean answers) {}

    private final SubscriptionPlaces places;
    /** The client's links by node, kept by {@link SubscriptionLinks}. */
    private final Map<NodeAddress, SubscriptionLink> links;

    SubscriptionTargets(SubscriptionPlaces places, Map<NodeAddress, SubscriptionLink> links) {
        this.places = places;
        this.links = links;
    }

    /** Where a request goes; null while a node it needs is unknown. */
    List<Target> of(String command, List<byte[]> args, RedisRequest request, SubscriptionLink home) {
        List<Target> targets = new ArrayList<>();
        switch (command) {
            case "subscribe", "psubscribe" -> {
                NodeAddress homeNode = homeNode(home);
                if (homeNode == null) {
                    return null;
                }
                targets.add(new Target(homeNode, args, true));
                List<byte[]> everywhere = SubscriptionPlaces.everywhereArgs(args);
                if (everywhere.size() > 1) {
                    for (NodeAddress master : places.masters()) {
                        if (!master.equals(homeNode)) {
                            targets.add(new Target(master, everywhere, false));
                        }
                    }
                }
            }
            case "unsubscribe", "punsubscribe" -> {
                NodeAddress homeNode = homeNode(home);
                if (homeNode == null) {
                    return null;
                }
                targets.add(new Target(homeNode, args, true));
                String family = command.startsWith("p") ? "p" : "";
                for (SubscriptionLink link : links.values()) {
                    if (link.node().equals(homeNode)) {
                        continue;
                    }
                    if (args.size() == 1) {
                        if (!link.held().names(family).isEmpty()) {
                            targets.add(new Target(link.node(), args, false));
                        }
                    } else {
                        List<byte[]> held = heldOf(link, family, args);
                        if (held.size() > 1) {
                            targets.add(new Target(link.node(), held, false));
                        }
                    }
                }
            }
            case "ssubscribe" -> {
                NodeAddress owner = places.shardChannelOwner(request);
                if (owner == null) {
                    return null;
                }
                targets.add(new Target(owner, args, true));
            }
            case "sunsubscribe" -> {
                if (args.size() > 1) {
                    SubscriptionLink holder = holderOf("s", SubscriptionSet.name(args.get(1)));
                    NodeAddress node = holder != null ? holder.node() : places.shardChannelOwner(request);
                    if (node == null) {
                        return null;
                    }
                    targets.add(new Target(node, args, true));
                } else {
                    for (SubscriptionLink link : links.values()) {
                        if (!link.held().names("s").isEmpty()) {
                            targets.add(new Target(link.node(), args, true));
                        }
                    }
                    if (targets.isEmpty()) {
                        NodeAddress node = anyNode(home);
                        if (node == null) {
                            return null;
                        }
                        targets.add(new Target(node, args, true));
                    }
                }
            }
            default -> {
                NodeAddress node = anyNode(home);
                if (node == null) {
                    return null;
                }
                targets.add(new Target(node, args, true));
            }
        }
        return targets;
    }

    /** The command of {@code args} with those of its names of {@code family} that {@code link} holds. */
    private static List<byte[]> heldOf(SubscriptionLink link, String family, List<byte[]> args) {
        List<byte[]> held = new ArrayList<>();
        held.add(args.get(0));
        for (byte[] name : args.subList(1, args.size())) {
            if (link.held().holds(family, SubscriptionSet.name(name))) {
                held.add(name);
            }
        }
        return held;
    }

    /** The node the client's channels and patterns live on: the home link's, else a master already linked, else any. */
    NodeAddress homeNode(SubscriptionLink home) {
        if (home != null) {
            return home.node();
        }
        List<NodeAddress> masters = places.masters();
        for (SubscriptionLink link : links.values()) {
            if (masters.contains(link.node())) {
                return link.node();
            }
        }
        return places.anyMaster();
    }

    /** Where a request about no subscription (PING, RESET, or a command subscribed mode refuses) goes. */
    private NodeAddress anyNode(SubscriptionLink home) {
        if (home != null) {
            return home.node();
        }
        return links.isEmpty() ? places.anyMaster() : links.keySet().iterator().next();
    }

    private SubscriptionLink holderOf(String family, String name) {
        for (SubscriptionLink link : links.values()) {
            if (link.held().holds(family, name)) {
                return link;
            }
        }
        return null;
    }
}
