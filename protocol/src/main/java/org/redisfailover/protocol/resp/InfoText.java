package org.redisfailover.protocol.resp;

import java.util.HashMap;
import java.util.Map;

/** The text of Redis' INFO reply: {@code field:value} lines under {@code # Section} headers. */
public final class InfoText {

    private InfoText() {}

    /** Every field of {@code info}, by name (a field repeated in two sections keeps its last value). */
    public static Map<String, String> fields(String info) {
        Map<String, String> fields = new HashMap<>();
        for (String line : info.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** The non-negative integer {@code field} of {@code fields}, or -1 when it is absent or not one (a replica still syncing has no offset). */
    public static long number(Map<String, String> fields, String field) {
        String value = fields.get(field);
        if (value == null || value.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < value.length(); i++) {
            if (!Character.isDigit(value.charAt(i))) {
                return -1;
            }
        }
        return value.length() > 18 ? -1 : Long.parseLong(value);
    }
}
