package org.redisfailover.proxy.backend;

/**
 * A Redis user and password for a backend connection's handshake ({@code AUTH [user] password}).
 *
 * @param user     the ACL user, or null for Redis' {@code AUTH password} form (the default user)
 * @param password never null
 */
public record Credentials(String user, String password) {

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=****]"; // never in logs
    }
}
