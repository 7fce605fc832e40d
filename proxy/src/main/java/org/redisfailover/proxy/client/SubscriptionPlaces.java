package org.redisfailover.proxy.client;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Where a client's subscriptions live, from its {@link Routing}: in front of a cluster, channels and patterns on
 * any master, keyspace notifications on every master, shard channels on their slot's master; in front of a group,
 * all of them on the master.
 */
final class SubscriptionPlaces {

    /**
     * Channels and patterns that begin so are subscribed on every master: keyspace and keyevent notifications
     * ({@code __keyspace@0__:key}, {@code __keyevent@0__:set}), which a node publishes only to its own
     * subscribers, where PUBLISH reaches the subscribers of every node.
     */
    static final String NODE_LOCAL_PREFIX = "__key";

    private final Routing routing;

    SubscriptionPlaces(Routing routing) {
        this.routing = routing;
    }

    /** Every master, each of which gets the node-local subscriptions. */
    List<NodeAddress> masters() {
        return routing.masters();
    }

    /** The master channels and patterns go to when the client has no link yet; null while there is none. */
    NodeAddress anyMaster() {
        return routing.pinnedNode(null);
    }

    /** The master of an SSUBSCRIBE's or SUNSUBSCRIBE's slot; null while there is none. */
    NodeAddress shardChannelOwner(RedisRequest request) {
        return routing.pinnedNode(request);
    }

    /** The master of a shard channel's slot; null while there is none. */
    NodeAddress shardChannelOwner(byte[] channel) {
        return routing.shardChannelOwner(channel);
    }

    /** Runs {@code listener} when the slot map changes ({@code on}), or no more. */
    void watch(Runnable listener, boolean on) {
        routing.watchMap(listener, on);
    }

    /** A node redirected a subscription request: the map is read again. */
    void redirected(String errorLine) {
        routing.redirected(errorLine);
    }

    /** The command of {@code args} and those of its names that live on every master. */
    static List<byte[]> everywhereArgs(List<byte[]> args) {
        List<byte[]> everywhere = new ArrayList<>();
        everywhere.add(args.get(0));
        for (byte[] name : args.subList(1, args.size())) {
            if (SubscriptionSet.name(name).startsWith(NODE_LOCAL_PREFIX)) {
                everywhere.add(name);
            }
        }
        return everywhere;
    }

    /** Those of {@code names} that live on every master. */
    static List<String> everywhere(Collection<String> names) {
        List<String> everywhere = new ArrayList<>();
        for (String name : names) {
            if (name.startsWith(NODE_LOCAL_PREFIX)) {
                everywhere.add(name);
            }
        }
        return everywhere;
    }
}
