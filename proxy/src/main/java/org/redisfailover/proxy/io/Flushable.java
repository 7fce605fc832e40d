package org.redisfailover.proxy.io;

/** Something with unflushed writes that the {@link FlushBatcher} flushes at the end of a loop turn. */
public interface Flushable {
    void flushNow();
}
