package org.redisfailover.proxy.io;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Gathers what one loop turn writes to a channel into as few writes as possible.
 *
 * <p>Every {@code Channel.write} costs a pipeline traversal, an outbound-buffer entry, a promise and an
 * iovec; for the 20-byte requests and replies of a typical Redis workload that costs more than the
 * bytes. So small messages (up to {@link #COPY_THRESHOLD}) are copied into one pending buffer, written
 * once at flush time; large ones still go out as they are, zero-copy, after the pending bytes so order
 * holds. Confined to the channel's event loop.
 */
public final class WriteCoalescer {

    /** Messages up to this size are copied; larger ones are written as they are. */
    static final int COPY_THRESHOLD = 4096;

    private final Channel channel;
    private final int initialCapacity;
    private ByteBuf pending;

    public WriteCoalescer(Channel channel, int initialCapacity) {
        this.channel = channel;
        this.initialCapacity = initialCapacity;
    }

    /**
     * Queues the readable bytes of {@code message} behind everything written before. Does not take
     * ownership: small messages are copied, large ones retained.
     */
    public void write(ByteBuf message) {
        write(message, message.readerIndex(), message.readableBytes());
    }

    /** Queues {@code length} bytes of {@code source} from absolute {@code index}; does not take ownership. */
    public void write(ByteBuf source, int index, int length) {
        if (length <= COPY_THRESHOLD) {
            if (pending == null) {
                pending = channel.alloc().ioBuffer(Math.max(initialCapacity, length));
            }
            pending.writeBytes(source, index, length);
        } else {
            writePending();
            channel.write(source.retainedSlice(index, length), channel.voidPromise());
        }
    }

    /** Queues a message that is not bytes (the pipeline's encoder turns it into bytes). */
    public void writeMessage(Object message) {
        writePending();
        channel.write(message, channel.voidPromise());
    }

    /** Writes and flushes everything queued. */
    public void flush() {
        writePending();
        channel.flush();
    }

    /** Bytes queued here and not yet handed to the channel. */
    public int pendingBytes() {
        return pending == null ? 0 : pending.readableBytes();
    }

    /** Drops what is queued (the channel is gone). */
    public void discard() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    private void writePending() {
        if (pending != null) {
            ByteBuf batch = pending;
            pending = null;
            channel.write(batch, channel.voidPromise());
        }
    }
}
