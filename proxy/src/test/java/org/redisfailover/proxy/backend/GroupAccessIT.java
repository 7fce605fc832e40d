package org.redisfailover.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.FlushBatcher;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisProcess;

/**
 * A connection without a password finds out whether the group asks for one (protected mode depends on
 * it), and a NOAUTH group still gets the client's request: Redis' own NOAUTH is the client's answer.
 */
class GroupAccessIT {

    private static String getThroughAPool(RedisProcess node, GroupAccess access) throws Exception {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1, "group-access-test");
        EventLoop loop = group.next();
        try {
            ProxyConfig config = ProxyConfig.defaults(new NodeAddress("127.0.0.1", 0), node.address(), List.of());
            RecordedReply first = new RecordedReply();
            BackendPool pool = loop.submit(() -> new BackendPool(
                            loop,
                            transport,
                            null,
                            access,
                            config,
                            new FlushBatcher(loop),
                            ProxyMetrics.disabled(),
                            address -> null))
                    .get(10, TimeUnit.SECONDS);
            loop.submit(() -> pool.connection(node.address(), 0, RespVersion.RESP2)
                            .send(RespWriter.request(ByteBufAllocator.DEFAULT, "GET", "k"), first, null))
                    .get(10, TimeUnit.SECONDS);
            Poll.until(Duration.ofSeconds(10), "the GET's reply", () -> !first.events.isEmpty());
            String reply = first.events.get(0);
            loop.submit(pool::close).get(10, TimeUnit.SECONDS);
            return reply;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aGroupWithRequirepassIsSeenToAskAndAnOpenOneIsNot() throws Exception {
        Path dir = Files.createTempDirectory("redis-failover-group-access");
        try (RedisProcess secured = RedisProcess.startSecured(dir, null, "pw", null);
                RedisProcess open = RedisProcess.start(dir, null)) {
            GroupAccess securedAccess = new GroupAccess();
            assertEquals("reply -NOAUTH Authentication required.", getThroughAPool(secured, securedAccess));
            Poll.until(Duration.ofSeconds(5), "the NOAUTH to be recorded", securedAccess::requiresPassword);

            GroupAccess openAccess = new GroupAccess();
            assertEquals("reply $-1", getThroughAPool(open, openAccess));
            assertFalse(openAccess.requiresPassword());
            assertTrue(openAccess.describe().contains("without a password"), openAccess.describe());
        }
    }
}
