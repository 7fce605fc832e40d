package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Cuts the byte stream from Redis into whole replies without decoding them: the proxy only needs to
 * know where each reply ends to hand it to the right client. Each reply is handed to a
 * {@link ReplySink} as a byte range of the framer's buffer, valid during the call: a sink that needs
 * the bytes later retains a slice; one that can write them at once copies nothing extra.
 *
 * <p>Understands every RESP2 and RESP3 type, at any nesting depth: framing needs only the number of
 * elements still to read. Each element header takes one, an aggregate adds its children, and the reply
 * ends when none is left. So a deep reply (a Lua script returning a table that contains itself makes
 * Redis send thousands of nested one-element arrays, then an error) costs one counter, no recursion and
 * no memory per level. An attribute ({@code |}) is framed together with the value it annotates.
 * Scanning resumes where it stopped, so a large reply arriving in many reads is scanned once.
 *
 * <p>A reply that breaks the protocol or a limit (a bulk of {@code $9223372036854775807}, say) means the
 * backend cannot be trusted: the framer throws {@link CorruptedFrameException} and the connection is
 * closed.
 */
public final class RespReplyFramer extends ByteToMessageDecoder {

    /** Receives each whole reply. */
    public interface ReplySink {
        /** {@code length} bytes of {@code buffer} from absolute {@code start}; not owned, valid during the call. */
        void onReply(ByteBuf buffer, int start, int length);
    }

    private final RespLimits limits;
    private final ReplySink sink;
    private final RespNumbers.Parser numbers = new RespNumbers.Parser();

    // Scan state, relative to readerIndex, which stays at the start of the reply being framed.
    private int position;
    private long pendingBulk = -1;
    /** Elements of the current reply not read yet (0 between replies). */
    private long pendingElements;

    public RespReplyFramer(RespLimits limits, ReplySink sink) {
        this.limits = limits;
        this.sink = sink;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable() && ctx.channel().isActive()) {
            if (!scanReply(in)) {
                return;
            }
            int length = position;
            position = 0;
            int start = in.readerIndex();
            in.skipBytes(length);
            sink.onReply(in, start, length);
        }
    }

    /** Advances over elements until one whole top-level reply is scanned; false when more bytes are needed. */
    private boolean scanReply(ByteBuf in) {
        int start = in.readerIndex();
        for (; ; ) {
            if (pendingBulk >= 0) {
                if (in.writerIndex() - (start + position) < pendingBulk + 2) {
                    return false;
                }
                int end = start + position + (int) pendingBulk;
                if (in.getByte(end) != '\r' || in.getByte(end + 1) != '\n') {
                    throw new CorruptedFrameException("bulk data not followed by CRLF");
                }
                position += (int) pendingBulk + 2;
                pendingBulk = -1;
                if (elementDone()) {
                    return true;
                }
                continue;
            }
            int lineStart = start + position;
            if (in.writerIndex() <= lineStart) {
                return false;
            }
            int lf = shortLineEnd(in, lineStart);
            if (lf < 0) {
                lf = in.indexOf(
                        lineStart, Math.min(in.writerIndex(), lineStart + limits.maxReplyLineLength() + 2), (byte)
                                '\n');
            }
            if (lf < 0) {
                if (in.writerIndex() - lineStart > limits.maxReplyLineLength() + 1) {
                    throw new CorruptedFrameException(
                            "reply line longer than " + limits.maxReplyLineLength() + " bytes");
                }
                return false;
            }
            if (lf == lineStart || in.getByte(lf - 1) != '\r') {
                throw new CorruptedFrameException("reply line not ended by CRLF");
            }
            byte type = in.getByte(lineStart);
            if (pendingElements == 0) {
                pendingElements = 1; // a new reply: one element, which may open more
            }
            int valueStart = lineStart + 1;
            int valueLength = lf - 1 - valueStart;
            position = lf + 1 - start;
            if (dispatch(in, type, valueStart, valueLength)) {
                return true;
            }
        }
    }

    private static final short CRLF = 0x0D0A;

    /**
     * The LF of a line with one or two value bytes ({@code :1}, {@code $3}, {@code *2}, {@code +OK}), read
     * with one access instead of a scan; -1 for anything else, which takes the general scan.
     */
    private static int shortLineEnd(ByteBuf in, int lineStart) {
        int readable = in.writerIndex() - lineStart;
        if (readable >= 4 && in.getShort(lineStart + 2) == CRLF) {
            return lineStart + 3;
        }
        if (readable >= 5 && in.getShort(lineStart + 3) == CRLF) {
            return lineStart + 4;
        }
        return -1;
    }

    /** Handles one element header; true when it completed the top-level reply. */
    private boolean dispatch(ByteBuf in, byte type, int valueStart, int valueLength) {
        switch (type) {
            case '+', '-', ':', '_', ',', '#', '(':
                return elementDone();
            case '$', '!', '=': {
                long length = numbers.parse(in, valueStart, valueLength);
                if (length == -1 && type == '$') {
                    return elementDone();
                }
                if (length < 0 || length > limits.maxBulkLength()) {
                    throw new CorruptedFrameException("invalid bulk length in reply");
                }
                pendingBulk = length;
                return false;
            }
            case '*', '~', '>', '%', '|': {
                long count = numbers.parse(in, valueStart, valueLength);
                if (count == -1 && type == '*') {
                    return elementDone();
                }
                if (count < 0 || count > Integer.MAX_VALUE) {
                    throw new CorruptedFrameException("invalid aggregate length in reply");
                }
                // A map has a key and a value per entry; an attribute its pairs and then the value it annotates.
                long elements = type == '%' ? count * 2 : type == '|' ? count * 2 + 1 : count;
                if (elements == 0) {
                    return elementDone();
                }
                pendingElements += elements - 1; // this header was one element; its children are still to come
                return false;
            }
            default:
                throw new CorruptedFrameException("unknown reply type byte " + (type & 0xff));
        }
    }

    /** One element finished; true when it was the last of the reply. */
    private boolean elementDone() {
        return --pendingElements == 0;
    }
}
