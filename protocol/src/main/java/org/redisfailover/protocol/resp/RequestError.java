package org.redisfailover.protocol.resp;

/**
 * A request the decoder could not frame, with the error line Redis itself would send for it
 * (without the leading {@code -}). After a RequestError the decoder ignores the rest of the input:
 * the error is the last reply, and the connection closes once it is written, as Redis does with
 * {@code CLIENT_CLOSE_AFTER_REPLY}.
 *
 * <p>{@code message} is null when Redis closes without a reply (its query-buffer limit).
 */
public record RequestError(String message) {

    static RequestError protocol(String detail) {
        return new RequestError("ERR Protocol error: " + detail);
    }

    /** True when the client gets an error line before the close; false for a silent close. */
    public boolean hasReply() {
        return message != null;
    }
}
