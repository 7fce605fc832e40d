package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * RESP3's verbatim string ({@code =<length>\r\ntxt:<text>\r\n}), in which Redis answers CLIENT INFO, INFO
 * and the like to a RESP3 client, where a RESP2 one gets a bulk string.
 */
public record Resp3Verbatim(String text) implements Resp3Reply {

    @Override
    public void writeTo(ByteBuf out) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeByte('=').writeCharSequence(Integer.toString(bytes.length + 4), StandardCharsets.US_ASCII);
        out.writeByte('\r').writeByte('\n').writeCharSequence("txt:", StandardCharsets.US_ASCII);
        out.writeBytes(bytes).writeByte('\r').writeByte('\n');
    }
}
