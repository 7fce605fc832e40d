package org.redisfailover.app;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.MonitorView;
import org.redisfailover.protocol.topology.ProxyRegistration;
import org.redisfailover.protocol.topology.ReplicaAcksAgreement;
import org.redisfailover.protocol.topology.ZkLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, a proxy or monitor refuses to join a group whose live proxies or monitors run safe mode with another
 * N ({@code min-replica-acks}): writes acknowledged under a higher N than the leader promotes under could be lost
 * by a failover that promises not to. A rolling change of N starts anyway with {@code --allow-min-replica-acks-change}
 * (the leader promotes under the highest N it sees meanwhile; {@code status} shows the mismatch until it is over).
 */
final class ReplicaAcksCheck {

    private static final Logger log = LoggerFactory.getLogger(ReplicaAcksCheck.class);

    private ReplicaAcksCheck() {}

    static void refuseMismatch(CuratorFramework client, ZkLayout layout, String ownId, int own, boolean allowChange)
            throws Exception {
        Map<String, Integer> byMember = new HashMap<>();
        read(
                client,
                layout.proxies(),
                data -> ProxyRegistration.decode(data).minReplicaAcks(),
                "proxy ",
                ownId,
                byMember);
        read(client, layout.monitors(), data -> MonitorView.decode(data).minReplicaAcks(), "monitor ", ownId, byMember);
        List<String> others = ReplicaAcksAgreement.disagreeing(own, byMember);
        if (others.isEmpty()) {
            return;
        }
        String what = "min-replica-acks is " + own + " here, but " + String.join(", ", others)
                + " of this group run with another: " + "every proxy and monitor of a group must use the same";
        if (!allowChange) {
            throw new IllegalArgumentException(
                    what + " (for a rolling change of it, start with --allow-min-replica-acks-change)");
        }
        log.warn(
                "{}; starting anyway (--allow-min-replica-acks-change): the leader promotes under the highest until all agree",
                what);
    }

    private static void read(
            CuratorFramework client,
            String path,
            Function<byte[], Integer> decode,
            String kind,
            String ownId,
            Map<String, Integer> into)
            throws Exception {
        List<String> children;
        try {
            children = client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return;
        }
        for (String child : children) {
            if (child.equals(ownId)) {
                continue; // this member's own registration from before a restart, not yet expired
            }
            try {
                into.put(kind + child, decode.apply(client.getData().forPath(path + "/" + child)));
            } catch (KeeperException.NoNodeException | IllegalArgumentException gone) {
                // left meanwhile, or not a record: says nothing
            }
        }
    }
}
