package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;

/** INFO replication as redis-server 7.0 writes it, for a master and for a replica. */
class NodeProberTest {

    private static final NodeAddress NODE = NodeAddress.parse("127.0.0.1:6379");

    @Test
    void masterReportsItsOffsetReplidAndConnectedReplicas() {
        String info = "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
                + "slave0:ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0\r\n"
                + "slave1:ip=10.0.0.7,port=6381,state=wait_bgsave,offset=0,lag=1\r\n"
                + "master_failover_state:no-failover\r\nmaster_replid:abc\r\nmaster_replid2:0000\r\n"
                + "master_repl_offset:1234\r\nsecond_repl_offset:-1\r\n";
        NodeStatus status = NodeProber.parse(NODE, info);
        assertTrue(status.reachable() && status.master());
        assertEquals(1234, status.offset());
        assertEquals("abc", status.replid());
        assertEquals(
                List.of(NodeAddress.parse("127.0.0.1:6380"), NodeAddress.parse("10.0.0.7:6381")), status.replicas());
        assertEquals(
                java.util.Map.of(NodeAddress.parse("127.0.0.1:6380"), 1234L),
                status.ackedOffsets(),
                "only online replicas have acknowledged anything");
        assertNull(status.masterOf());
    }

    @Test
    void persistenceKeysAndTheOffsetWhereThePreviousHistoryEnded() {
        String info =
                "# Server\r\nrun_id:r1\r\n# Replication\r\nrole:master\r\nmaster_replid:new\r\nmaster_replid2:old\r\n"
                        + "master_repl_offset:900\r\nsecond_repl_offset:701\r\n# Persistence\r\naof_enabled:1\r\n"
                        + "# Keyspace\r\ndb0:keys=5,expires=0,avg_ttl=0\r\ndb3:keys=2,expires=1,avg_ttl=10\r\n";
        NodeStatus status = NodeProber.parse(NODE, info);
        assertTrue(status.aofEnabled());
        assertEquals(7, status.keys());
        assertEquals(700, status.offsetOn("old"), "what it holds of its previous history");
        assertEquals(900, status.offsetOn("new"));
        assertEquals(-1, status.offsetOn("other"));
        assertTrue(status.promotedFrom("old"));
    }

    @Test
    void aRefusedOrResetConnectionIsADeadNodeAndSilenceMayBeASlowOne() {
        var refused = new redis.clients.jedis.exceptions.JedisConnectionException("Failed to connect to 127.0.0.1:1.");
        refused.addSuppressed(new java.net.ConnectException("Connection refused")); // as Jedis reports it
        assertEquals(NodeStatus.Failure.REFUSED, NodeProber.failureOf(refused));
        var reset = new redis.clients.jedis.exceptions.JedisConnectionException(
                new java.net.SocketException("Connection reset"));
        assertEquals(NodeStatus.Failure.REFUSED, NodeProber.failureOf(reset));
        assertEquals(
                NodeStatus.Failure.REFUSED,
                NodeProber.failureOf(
                        new redis.clients.jedis.exceptions.JedisConnectionException("Unexpected end of stream.")));
        var timeout = new redis.clients.jedis.exceptions.JedisConnectionException(
                new java.net.SocketTimeoutException("Read timed out"));
        assertEquals(NodeStatus.Failure.NO_REPLY, NodeProber.failureOf(timeout));
        assertEquals(
                NodeStatus.Failure.NO_REPLY,
                NodeProber.failureOf(
                        new redis.clients.jedis.exceptions.JedisBusyException("BUSY Redis is busy running a script.")),
                "a busy node is alive");
    }

    @Test
    void replicaReportsItsMasterLinkOffsetAndPriority() {
        String info =
                "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n"
                        + "slave_repl_offset:900\r\nslave_priority:0\r\nmaster_replid:abc\r\nmaster_repl_offset:900\r\n";
        NodeStatus status = NodeProber.parse(NodeAddress.parse("127.0.0.1:6380"), info);
        assertFalse(status.master());
        assertEquals(NODE, status.masterOf());
        assertFalse(status.linkUp());
        assertEquals(900, status.offset());
        assertEquals(0, status.priority());
        assertEquals(List.of(), status.replicas());
    }
}
