package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * The replies of the parts of one client request that went to several nodes (a request split per slot, a
 * command fanned out to every shard), collected in part order, and answered as one reply into the client's
 * slot once the last is in. A part lost with its connection, or refused, counts as an error reply. Confined to
 * the client's event loop.
 */
final class PartReplies {

    private final ReplySlot slot;
    /** Makes the client's reply of every part's reply frame, in part order. */
    private final Function<byte[][], byte[]> merge;

    private final byte[][] frames;
    private int pending;

    PartReplies(int parts, ReplySlot slot, Function<byte[][], byte[]> merge) {
        this.slot = slot;
        this.merge = merge;
        this.frames = new byte[parts][];
        this.pending = parts;
    }

    /** Where part {@code index}'s reply goes. */
    PendingReply part(int index) {
        return new PendingReply() {
            @Override
            public boolean onFrame(ByteBuf buffer, int start, int length) {
                byte[] frame = new byte[length];
                buffer.getBytes(start, frame);
                answered(index, frame);
                return true;
            }

            @Override
            public void lost(NodeAddress node, String reason) {
                answered(index, error(ProxyErrors.lostBeforeReply(node, reason, slot.lossIsDefinite())));
            }

            @Override
            public void refused(String errorLine) {
                answered(index, error(errorLine));
            }
        };
    }

    static boolean isError(byte[] frame) {
        return frame.length > 0 && (frame[0] == '-' || frame[0] == '!');
    }

    private static byte[] error(String line) {
        return ("-" + line.replace('\r', ' ').replace('\n', ' ') + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private void answered(int index, byte[] frame) {
        frames[index] = frame;
        if (--pending > 0) {
            return;
        }
        byte[] reply = merge.apply(frames);
        ByteBuf buffer = Unpooled.wrappedBuffer(reply);
        slot.complete(buffer, 0, reply.length);
        buffer.release();
    }
}
