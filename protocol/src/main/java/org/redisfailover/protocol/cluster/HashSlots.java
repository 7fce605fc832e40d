package org.redisfailover.protocol.cluster;

import io.netty.buffer.ByteBuf;

/**
 * The hash slot of a key, exactly as Redis Cluster computes it: CRC16 (XMODEM) of the key modulo 16384,
 * or of its hash tag, the bytes between the first '{' and the first '}' after it, when that is not empty.
 */
public final class HashSlots {

    public static final int COUNT = 16384;

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = crc & 0xffff;
        }
    }

    private HashSlots() {}

    /** The slot of {@code length} bytes of {@code buffer} at {@code index}, read without copying. */
    public static int of(ByteBuf buffer, int index, int length) {
        int from = index;
        int to = index + length;
        int open = buffer.indexOf(index, to, (byte) '{');
        if (open >= 0) {
            int close = buffer.indexOf(open + 1, to, (byte) '}');
            if (close > open + 1) {
                from = open + 1;
                to = close;
            }
        }
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ buffer.getByte(i)) & 0xff]) & 0xffff;
        }
        return crc & (COUNT - 1);
    }

    /** The slot of {@code key}. */
    public static int of(byte[] key) {
        return of(io.netty.buffer.Unpooled.wrappedBuffer(key), 0, key.length);
    }
}
