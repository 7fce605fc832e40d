package org.redisfailover.proxy.backend;

/** A client that a backend connection can stop reading from while Redis is slower than the clients. */
public interface BackendListener {

    /** Stops reading the client; false if it was already paused for a backend (so it is listed once). */
    boolean pauseForBackend();

    void resumeFromBackend();
}
