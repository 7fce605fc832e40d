package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** JSON of the znodes' Jackson records: one mapper (thread-safe once configured) for all of them. */
final class ZkJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ZkJson() {}

    static byte[] encode(Object record) {
        try {
            return MAPPER.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + record, e);
        }
    }

    /** Parses {@code data} as {@code type}; throws {@link IllegalArgumentException}, naming {@code what}, when it is not one. */
    static <T> T decode(byte[] data, Class<T> type, String what) {
        try {
            return MAPPER.readValue(data, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("not " + what + ": " + e.getMessage());
        }
    }
}
