package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;

/** The replies a group command reads: statuses, errors, and CONFIG GET's pairs in RESP2 and RESP3. */
class NodeCallTest {

    private static NodeCall.Outcome outcome(String frame) {
        return new NodeCall.Outcome(new NodeAddress("127.0.0.1", 1), frame.getBytes(StandardCharsets.UTF_8), null);
    }

    @Test
    void configGetPairsAreReadFromAnArrayAndFromAMap() {
        List<String> expected = List.of("hz", "10", "maxmemory-policy", "noeviction");
        assertEquals(
                expected,
                outcome("*4\r\n$2\r\nhz\r\n$2\r\n10\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n")
                        .bulks());
        assertEquals(
                expected,
                outcome("%2\r\n$2\r\nhz\r\n$2\r\n10\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n")
                        .bulks());
        assertEquals(
                List.of("dir", "/tmp/ü"),
                outcome("*2\r\n$3\r\ndir\r\n$7\r\n/tmp/ü\r\n").bulks(),
                "lengths are bytes");
        assertEquals(List.of(), outcome("*0\r\n").bulks());
        assertEquals(List.of(), outcome("-ERR nope\r\n").bulks());
    }

    @Test
    void statusesAndErrorsAreTold() {
        assertTrue(outcome("+OK\r\n").ok());
        NodeCall.Outcome error = outcome("-ERR CONFIG SET failed (possibly related to argument 'hz') - nope\r\n");
        assertTrue(error.error());
        assertEquals("ERR CONFIG SET failed (possibly related to argument 'hz') - nope", error.errorLine());
        NodeCall.Outcome lost = new NodeCall.Outcome(new NodeAddress("127.0.0.1", 1), null, "connection lost");
        assertTrue(!lost.ok() && !lost.error());
    }
}
