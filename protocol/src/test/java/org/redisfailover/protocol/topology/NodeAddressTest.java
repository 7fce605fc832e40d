package org.redisfailover.protocol.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeAddressTest {

    @Test
    void parsesHostPortAndBracketedIpv6() {
        assertEquals(new NodeAddress("127.0.0.1", 6379), NodeAddress.parse("127.0.0.1:6379"));
        assertEquals(new NodeAddress("redis-a", 7000), NodeAddress.parse(" redis-a:7000 "));
        assertEquals(new NodeAddress("::1", 6379), NodeAddress.parse("[::1]:6379"));
        assertEquals("[::1]:6379", NodeAddress.parse("[::1]:6379").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "6379", "host", "host:", ":6379", "host:65536", "host:x", "::1:6379"})
    void rejectsWhatIsNotHostPort(String text) {
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse(text));
    }

    @Test
    void topologyRejectsAMasterThatIsAlsoAReplica() {
        NodeAddress a = NodeAddress.parse("h:1");
        assertThrows(IllegalArgumentException.class, () -> new Topology(1, a, List.of(a)));
        assertThrows(IllegalArgumentException.class, () -> new Topology(1, null, List.of(a, a)));
    }
}
