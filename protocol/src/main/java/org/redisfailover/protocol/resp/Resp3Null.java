package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;

/** RESP3's null ({@code _}): what a RESP3 client gets where a RESP2 one gets {@code $-1} or {@code *-1}. */
public final class Resp3Null implements Resp3Reply {

    public static final Resp3Null INSTANCE = new Resp3Null();

    private Resp3Null() {}

    @Override
    public void writeTo(ByteBuf out) {
        out.writeByte('_').writeByte('\r').writeByte('\n');
    }
}
