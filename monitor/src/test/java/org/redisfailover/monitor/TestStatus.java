package org.redisfailover.monitor;

import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;

/** Builds probe results for the rule tables: a reachable replica of {@code master} unless told otherwise. */
final class TestStatus {

    private final NodeAddress address;
    private boolean master;
    private NodeAddress masterOf;
    private long linkDownSeconds = 1;
    private long offset;
    private String replid = "a";
    private String replid2;
    private long secondOffset = -1;
    private String runId;
    private int priority = 100;
    private boolean aof;
    private long keys;

    private TestStatus(NodeAddress address) {
        this.address = address;
        this.runId = "run-" + address.host() + "-" + address.port();
    }

    static TestStatus replica(NodeAddress address, NodeAddress of) {
        TestStatus status = new TestStatus(address);
        status.masterOf = of;
        return status;
    }

    static TestStatus master(NodeAddress address) {
        TestStatus status = new TestStatus(address);
        status.master = true;
        status.linkDownSeconds = -1;
        return status;
    }

    TestStatus offset(long value) {
        offset = value;
        return this;
    }

    TestStatus replid(String value) {
        replid = value;
        return this;
    }

    /** Left history {@code previous} at offset {@code leftAt} (Redis shows second_repl_offset = leftAt + 1). */
    TestStatus leftHistory(String previous, long leftAt) {
        replid2 = previous;
        secondOffset = leftAt + 1;
        return this;
    }

    TestStatus linkDown(long seconds) {
        linkDownSeconds = seconds;
        return this;
    }

    TestStatus linkUp() {
        linkDownSeconds = -1;
        return this;
    }

    TestStatus runId(String value) {
        runId = value;
        return this;
    }

    TestStatus priority(int value) {
        priority = value;
        return this;
    }

    TestStatus fromAof(long keyCount) {
        aof = true;
        keys = keyCount;
        return this;
    }

    NodeStatus build() {
        return new NodeStatus(
                address,
                true,
                NodeStatus.Failure.NONE,
                master,
                masterOf,
                !master && linkDownSeconds < 0,
                linkDownSeconds,
                offset,
                replid,
                replid2,
                secondOffset,
                runId,
                priority,
                List.of(),
                Map.of(),
                aof,
                keys);
    }
}
