package org.redisfailover.proxy.client;

import io.netty.channel.Channel;
import org.redisfailover.proxy.backend.BackendListener;

/**
 * When the proxy stops reading a client's requests: while the client does not read its replies (the
 * channel is unwritable), while it has too many replies outstanding, or while a backend it writes to is
 * slower than its clients. Reading resumes once no reason is left, unless the client is closing.
 */
final class Backpressure implements BackendListener {

    static final int OUTPUT = 1;
    static final int PIPELINE = 2;
    static final int BACKEND = 4;

    private final Channel channel;
    private int pausedFor;
    private boolean stopped;

    Backpressure(Channel channel) {
        this.channel = channel;
    }

    void pause(int reason) {
        pausedFor |= reason;
        channel.config().setAutoRead(false);
    }

    void resume(int reason) {
        pausedFor &= ~reason;
        if (pausedFor == 0 && !stopped) {
            channel.config().setAutoRead(true);
        }
    }

    boolean pausedFor(int reason) {
        return (pausedFor & reason) != 0;
    }

    /** The client is closing: nothing more is read from it, whatever resumes. */
    void stop() {
        stopped = true;
        channel.config().setAutoRead(false);
    }

    @Override
    public boolean pauseForBackend() {
        boolean first = !pausedFor(BACKEND);
        pause(BACKEND);
        return first;
    }

    @Override
    public void resumeFromBackend() {
        resume(BACKEND);
    }
}
