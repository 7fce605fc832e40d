package org.redisfailover.monitor;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.ZkLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failover history: one persistent sequential znode per {@link SwitchEvent} under
 * {@code {root}/events}, the oldest removed beyond {@link #LIMIT} so the history stays bounded.
 * ZooKeeper's sequence numbers give the order; the leader is the only writer.
 */
public final class SwitchHistory {

    /** Events kept; older ones are deleted by the leader when it appends. */
    public static final int LIMIT = 50;

    private static final Logger log = LoggerFactory.getLogger(SwitchHistory.class);
    private static final String PREFIX = "event-";

    private SwitchHistory() {}

    static void append(CuratorFramework client, ZkLayout layout, SwitchEvent event) {
        try {
            client.create()
                    .creatingParentsIfNeeded()
                    .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(layout.events() + "/" + PREFIX, event.encode());
            List<String> names = sortedNames(client, layout);
            for (int i = 0; i < names.size() - LIMIT; i++) {
                client.delete().quietly().forPath(layout.events() + "/" + names.get(i));
            }
        } catch (Exception e) {
            // The history is for people; the switch itself is already in the topology.
            log.warn("could not record {} in {}: {}", event, layout.events(), e.toString());
        }
    }

    /** The most recent {@code max} events, oldest first; events that cannot be read are skipped. */
    public static List<SwitchEvent> recent(CuratorFramework client, ZkLayout layout, int max) throws Exception {
        List<String> names = sortedNames(client, layout);
        List<SwitchEvent> events = new ArrayList<>();
        for (String name : names.subList(Math.max(0, names.size() - max), names.size())) {
            try {
                events.add(SwitchEvent.decode(client.getData().forPath(layout.events() + "/" + name)));
            } catch (KeeperException.NoNodeException | IllegalArgumentException skipped) {
                // trimmed meanwhile, or written by something else
            }
        }
        return events;
    }

    private static List<String> sortedNames(CuratorFramework client, ZkLayout layout) throws Exception {
        try {
            List<String> names = new ArrayList<>(client.getChildren().forPath(layout.events()));
            names.removeIf(name -> !name.startsWith(PREFIX));
            names.sort(null); // the sequence suffix is zero-padded: text order is creation order
            return names;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }
}
