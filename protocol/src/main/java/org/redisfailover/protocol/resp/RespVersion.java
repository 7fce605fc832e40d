package org.redisfailover.protocol.resp;

/** The protocol a connection speaks, as HELLO sets it: RESP2 (every connection starts there) or RESP3. */
public enum RespVersion {
    RESP2(2),
    RESP3(3);

    private final int number;

    RespVersion(int number) {
        this.number = number;
    }

    /** The number HELLO takes and CLIENT INFO shows ({@code resp=2}). */
    public int number() {
        return number;
    }

    /** The version for HELLO's argument, or null for one Redis does not speak. */
    public static RespVersion of(long number) {
        return number == 2 ? RESP2 : number == 3 ? RESP3 : null;
    }
}
