package org.redisfailover.protocol.command;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigPolicyTest {

    private static final ConfigPolicy POLICY = ConfigPolicy.load();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "replicaof",
                "SLAVEOF",
                "replica-priority",
                "slave-priority",
                "replica-read-only",
                "repl-backlog-size",
                "min-replicas-to-write",
                "masterauth",
                "dir",
                "dbfilename",
                "port",
                "bind",
                "tls-port",
                "tls-cert-file",
                "requirepass",
                "aclfile",
                "enable-debug-command",
                "maxclients",
                "timeout",
                "client-output-buffer-limit",
                "maxmemory-clients",
                "cluster-enabled"
            })
    void refusesWhatWouldTakeTheGroupApart(String parameter) {
        assertNotNull(POLICY.refusal(parameter), parameter);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "notify-keyspace-events",
                "hash-max-listpack-entries",
                "hash-max-ziplist-entries",
                "maxmemory",
                "maxmemory-policy",
                "slowlog-log-slower-than",
                "lfu-log-factor",
                "hz",
                "save",
                "appendonly",
                "tcp-keepalive",
                "lua-time-limit",
                "busy-reply-threshold",
                "latency-tracking"
            })
    void allowsWhatApplicationsTune(String parameter) {
        assertNull(POLICY.refusal(parameter), parameter);
    }

    @Test
    void malformedOrDuplicateLinesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ConfigPolicy.parse(stream("dir\n")));
        assertThrows(IllegalArgumentException.class, () -> ConfigPolicy.parse(stream("dir = a\ndir = b\n")));
        assertThrows(IllegalArgumentException.class, () -> ConfigPolicy.parse(stream("tls-* = a\ntls-* = b\n")));
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
