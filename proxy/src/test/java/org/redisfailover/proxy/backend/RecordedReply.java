package org.redisfailover.proxy.backend;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;

/** What one request's PendingReply was told, in order: "reply ...", "lost ...", "refused ...", "unsent ...". */
final class RecordedReply extends PendingReply {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        events.add("reply "
                + buffer.toString(start, length, StandardCharsets.US_ASCII).strip());
        return true;
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        events.add("lost " + node);
    }

    @Override
    public void refused(String errorLine) {
        events.add("refused " + errorLine);
    }

    @Override
    public void unsent(RedisRequest request, String errorLine) {
        request.release();
        events.add("unsent " + errorLine);
    }
}
