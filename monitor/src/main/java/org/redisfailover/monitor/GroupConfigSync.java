package org.redisfailover.monitor;

import java.io.Closeable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.redisfailover.protocol.topology.AclRules;
import org.redisfailover.protocol.topology.GroupConfig;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Keeps every node on the settings and ACL users clients changed through the proxies ({@link GroupConfig} in
 * {@code {root}/config}). The proxy that ran a CONFIG SET applied it to the nodes it could reach; the
 * leading monitor applies the whole record to each reachable node once per process (run id) and record
 * version: a node that restarted without the settings, one that was cut off when they were set, one that
 * joins, and so the one promoted at a failover, which must not revert them.
 */
final class GroupConfigSync implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(GroupConfigSync.class);

    private final CuratorCache cache;
    private final String path;
    private final NodeProbes probes;
    /** For each node, the run id and record version it was last brought to. Ticker thread only. */
    private final Map<NodeAddress, String> appliedAs = new HashMap<>();

    private int malformedVersion = -1;

    GroupConfigSync(CuratorFramework client, ZkLayout layout, NodeProbes probes, Runnable onChange) {
        this.path = layout.config();
        this.probes = probes;
        this.cache = CuratorCache.build(client, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        cache.listenable()
                .addListener(CuratorCacheListener.builder()
                        .forAll((type, before, after) -> onChange.run())
                        .build());
    }

    void start() {
        cache.start();
    }

    /** Brings each reachable node of {@code round} to the recorded settings, if it is not yet. */
    void apply(ProbeRound round) {
        Optional<ChildData> data = cache.get(path);
        if (data.isEmpty()) {
            return;
        }
        int version = data.get().getStat().getVersion();
        GroupConfig config;
        try {
            config = GroupConfig.decode(data.get().getData());
        } catch (IllegalArgumentException e) {
            if (malformedVersion != version) {
                malformedVersion = version;
                log.error("{} is not a group configuration, so nodes are not brought to it: {}", path, e.getMessage());
            }
            return;
        }
        for (NodeStatus status : round.now().values()) {
            String as = status.runId() + "@" + version;
            if (status.reachable()
                    && status.runId() != null
                    && !as.equals(appliedAs.get(status.address()))
                    && applyTo(status.address(), config)) {
                appliedAs.put(status.address(), as);
            }
        }
    }

    /** False when the node could not be reached (tried again next round); a refused setting is logged and skipped. */
    private boolean applyTo(NodeAddress node, GroupConfig config) {
        for (Map.Entry<String, String> parameter : config.parameters().entrySet()) {
            try {
                probes.prober(node).command(jedis -> jedis.configSet(parameter.getKey(), parameter.getValue()));
            } catch (JedisDataException refused) {
                log.warn(
                        "{} refused the group's setting {} {}: {}",
                        node,
                        parameter.getKey(),
                        parameter.getValue(),
                        refused.getMessage());
            } catch (JedisException unreachable) {
                log.info("could not bring {} to the group's settings yet: {}", node, unreachable.toString());
                return false;
            }
        }
        if (!config.parameters().isEmpty()) {
            log.info(
                    "{} brought to the group's settings {}",
                    node,
                    config.parameters().keySet());
        }
        return applyUsers(node, config);
    }

    /**
     * The group's ACL users: each recorded one made exactly as recorded ({@code ACL SETUSER name reset rules}), each
     * deleted one deleted. Users created by hand on the node are left alone. False when the node could not be reached.
     */
    private boolean applyUsers(NodeAddress node, GroupConfig config) {
        List<List<String>> commands = AclRules.commands(config.users(), config.deletedUsers());
        for (List<String> command : commands) {
            String[] args = command.subList(1, command.size()).toArray(String[]::new);
            try {
                probes.prober(node).command(jedis -> jedis.sendCommand(Protocol.Command.ACL, args));
            } catch (JedisDataException refused) {
                log.warn("{} refused the group's ACL change {} {}: {}", node, args[0], args[1], refused.getMessage());
            } catch (JedisException unreachable) {
                log.info("could not bring {} to the group's ACL users yet: {}", node, unreachable.toString());
                return false;
            }
        }
        if (!commands.isEmpty()) {
            log.info(
                    "{} brought to the group's ACL users {} (deleted: {})",
                    node,
                    config.users().keySet(),
                    config.deletedUsers());
        }
        return true;
    }

    @Override
    public void close() {
        cache.close();
    }
}
