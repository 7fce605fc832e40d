package org.redisfailover.protocol.topology;

/**
 * Where everything lives in ZooKeeper, under one root per replication group ({@code --zk-path}):
 *
 * <pre>
 * {root}/topology        the current {@link Topology} (JSON), written only with a znode-version CAS
 * {root}/proxies/{id}    ephemeral, one per proxy: its address and the epoch it has applied
 * {root}/monitors/{id}   ephemeral, one per monitor: its view of every node
 * {root}/leader          the monitors' leader latch
 * {root}/events          failover history: sequential znodes, bounded
 * {root}/switchover      ephemeral: a pending switchover request, for the leader
 * {root}/config          the settings clients changed with CONFIG SET, re-applied by the leader to every node
 * {root}/sync-set        safe mode: the replicas that may have acknowledged the master's writes ({@link SyncSet})
 * {root}/forget-replica  ephemeral: a pending request to give up on a replica lost for good ({@link ForgetRequest})
 * </pre>
 */
public record ZkLayout(String root) {

    public ZkLayout {
        if (root == null || !root.startsWith("/") || (root.length() > 1 && root.endsWith("/"))) {
            throw new IllegalArgumentException("zk-path '" + root + "' must start with '/' and not end with '/'");
        }
    }

    public String topology() {
        return child("topology");
    }

    public String proxies() {
        return child("proxies");
    }

    public String proxy(String id) {
        return proxies() + "/" + id;
    }

    public String monitors() {
        return child("monitors");
    }

    public String leader() {
        return child("leader");
    }

    public String events() {
        return child("events");
    }

    public String switchover() {
        return child("switchover");
    }

    public String config() {
        return child("config");
    }

    public String syncSet() {
        return child("sync-set");
    }

    public String forgetReplica() {
        return child("forget-replica");
    }

    private String child(String name) {
        return root.equals("/") ? "/" + name : root + "/" + name;
    }
}
