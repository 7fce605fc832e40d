package org.redisfailover.protocol.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RespValue;
import org.redisfailover.protocol.topology.NodeAddress;

/** The slot map read from CLUSTER SHARDS and CLUSTER SLOTS replies as Redis 7.0 sends them. */
class SlotMapTest {

    private static String bulk(String text) {
        return "$" + text.length() + "\r\n" + text + "\r\n";
    }

    private static String node(String id, int port, String role, String health) {
        return "*14\r\n" + bulk("id") + bulk(id) + bulk("port") + ":" + port + "\r\n" + bulk("ip") + bulk("127.0.0.1")
                + bulk("endpoint") + bulk("127.0.0.1") + bulk("role") + bulk(role) + bulk("replication-offset")
                + ":100\r\n" + bulk("health") + bulk(health);
    }

    private static String shard(int start, int end, String... nodes) {
        return "*4\r\n" + bulk("slots") + "*2\r\n:" + start + "\r\n:" + end + "\r\n" + bulk("nodes") + "*"
                + nodes.length + "\r\n" + String.join("", nodes);
    }

    private static Object parse(String frame) {
        return RespValue.parse(frame.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shardsGiveEachSlotItsMasterAndSkipAFailedOne() {
        SlotMap map = SlotMap.fromShards(parse("*2\r\n"
                + shard(0, 8191, node("a", 7001, "master", "online"), node("b", 7002, "replica", "online"))
                + shard(8192, 16383, node("c", 7003, "master", "fail"), node("d", 7004, "replica", "loading"))));
        assertEquals(new NodeAddress("127.0.0.1", 7001), map.master(0));
        assertEquals(new NodeAddress("127.0.0.1", 7001), map.master(8191));
        assertNull(map.master(8192), "a failed master serves nothing: the slot waits for a promotion");
        assertEquals(8192, map.covered());
        assertEquals(List.of(new NodeAddress("127.0.0.1", 7001)), map.masters());
        assertEquals("loading", map.shards().get(1).replicas().get(0).health());
        assertEquals(100, map.shards().get(0).replicas().get(0).offset());
    }

    @Test
    void aNodeWithNoAddressIsAtTheHostThatWasAsked() {
        // A single-node cluster never MEETed anyone: Redis 7.0 reports "" as its own ip and endpoint.
        String self = "*14\r\n" + bulk("id") + bulk("a") + bulk("port") + ":7001\r\n" + bulk("ip") + "$0\r\n\r\n"
                + bulk("endpoint") + "$0\r\n\r\n" + bulk("role") + bulk("master") + bulk("replication-offset")
                + ":0\r\n" + bulk("health") + bulk("online");
        SlotMap shards = SlotMap.fromShards(parse("*1\r\n" + shard(0, 16383, self)), "10.0.0.5");
        assertEquals(new NodeAddress("10.0.0.5", 7001), shards.master(0));
        assertEquals(
                0, SlotMap.fromShards(parse("*1\r\n" + shard(0, 16383, self))).covered(), "no host known");
        SlotMap slots = SlotMap.fromSlots(
                parse("*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$0\r\n\r\n:7001\r\n" + bulk("a")), "10.0.0.5");
        assertEquals(new NodeAddress("10.0.0.5", 7001), slots.master(16383));
    }

    @Test
    void slotsGiveTheSameMap() {
        String master = "*3\r\n" + bulk("127.0.0.1") + ":7001\r\n" + bulk("a");
        String replica = "*3\r\n" + bulk("127.0.0.1") + ":7002\r\n" + bulk("b");
        SlotMap map = SlotMap.fromSlots(
                parse("*2\r\n*4\r\n:0\r\n:99\r\n" + master + replica + "*4\r\n:100\r\n:16383\r\n" + master + replica));
        assertEquals(HashSlots.COUNT, map.covered());
        assertEquals(1, map.shards().size());
        assertEquals(
                List.of(new SlotMap.Range(0, 99), new SlotMap.Range(100, 16383)),
                map.shards().get(0).ranges());
        assertEquals(
                new NodeAddress("127.0.0.1", 7002),
                map.replicasOf(map.master(5)).get(0).address());
    }

    @Test
    void aMovedSlotChangesOnlyThatSlotAndKeepsOneAddressPerNode() {
        SlotMap map = SlotMap.fromShards(parse("*2\r\n" + shard(0, 8191, node("a", 7001, "master", "online"))
                + shard(8192, 16383, node("c", 7003, "master", "online"))));
        SlotMap moved = map.withOwner(5, new NodeAddress("127.0.0.1", 7003));
        assertSame(map.master(9000), moved.master(5), "the same instance: connections are looked up by it");
        assertEquals(map.master(6), moved.master(6));
        assertFalse(map.sameOwners(moved));
        assertTrue(
                map.sameShape(
                        SlotMap.fromShards(parse("*2\r\n" + shard(8192, 16383, node("c", 7003, "master", "online"))
                                + shard(0, 8191, node("a", 7001, "master", "online"))))),
                "the order of the shards does not count");
    }

    @Test
    void notAMapIsNull() {
        assertNull(SlotMap.fromShards(parse("-ERR unknown subcommand\r\n")));
        assertNull(SlotMap.fromSlots(parse("+OK\r\n")));
    }
}
