package org.redisfailover.protocol.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaAcksAgreementTest {

    @Test
    void namesTheMembersThatRunWithAnotherN() {
        Map<String, Integer> members = new HashMap<>(Map.of("proxy a", 1, "proxy b", 0, "monitor c", 1));
        members.put("proxy old", null); // a member of an earlier version says nothing
        assertEquals(List.of("proxy b (0)"), ReplicaAcksAgreement.disagreeing(1, members));
        assertEquals(List.of("monitor c (1)", "proxy a (1)"), ReplicaAcksAgreement.disagreeing(0, members));
    }

    @Test
    void describesAMismatchAndOnlyAMismatch() {
        assertNull(ReplicaAcksAgreement.mismatch(Map.of("proxy a", 1, "monitor a", 1)));
        Map<String, Integer> withSilent = new HashMap<>(Map.of("proxy a", 1));
        withSilent.put("proxy old", null);
        assertNull(ReplicaAcksAgreement.mismatch(withSilent), "a member that does not say is no mismatch");
        String mismatch = ReplicaAcksAgreement.mismatch(Map.of("proxy a", 1, "proxy b", 0, "monitor a", 1));
        assertTrue(mismatch.contains("0 on [proxy b]") && mismatch.contains("1 on [monitor a, proxy a]"), mismatch);
    }
}
