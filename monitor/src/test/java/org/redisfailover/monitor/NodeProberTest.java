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
        assertEquals(List.of(NodeAddress.parse("127.0.0.1:6380"), NodeAddress.parse("10.0.0.7:6381")), status.replicas());
        assertNull(status.masterOf());
    }

    @Test
    void replicaReportsItsMasterLinkOffsetAndPriority() {
        String info = "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n"
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
