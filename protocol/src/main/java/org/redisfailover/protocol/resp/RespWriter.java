package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Encodes requests as RESP arrays of bulk strings: the only form the proxy ever sends to Redis. */
public final class RespWriter {

    private RespWriter() {}

    /** Encodes {@code args} (at least one) into a new {@link RedisRequest}. */
    public static RedisRequest request(ByteBufAllocator alloc, List<byte[]> args) {
        int size = 1 + digits(args.size()) + 2;
        for (byte[] arg : args) {
            size += 1 + digits(arg.length) + 2 + arg.length + 2;
        }
        ByteBuf buf = alloc.buffer(size);
        int[] offsets = new int[args.size()];
        int[] lengths = new int[args.size()];
        buf.writeByte('*');
        writeNumber(buf, args.size());
        for (int i = 0; i < args.size(); i++) {
            byte[] arg = args.get(i);
            buf.writeByte('$');
            writeNumber(buf, arg.length);
            offsets[i] = buf.writerIndex(); // the buffer starts at index 0, so absolute = relative
            lengths[i] = arg.length;
            buf.writeBytes(arg);
            buf.writeShort(CRLF);
        }
        return new RedisRequest(buf, 0, buf.writerIndex(), args.size(), offsets, lengths);
    }

    /** Encodes a request from string arguments (UTF-8). */
    public static RedisRequest request(ByteBufAllocator alloc, String... args) {
        List<byte[]> bytes = new ArrayList<>(args.length);
        for (String arg : args) {
            bytes.add(arg.getBytes(StandardCharsets.UTF_8));
        }
        return request(alloc, bytes);
    }

    private static final short CRLF = ('\r' << 8) | '\n';

    private static void writeNumber(ByteBuf buf, long value) {
        buf.writeCharSequence(Long.toString(value), StandardCharsets.US_ASCII);
        buf.writeShort(CRLF);
    }

    private static int digits(long value) {
        return Long.toString(value).length();
    }
}
