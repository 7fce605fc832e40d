package org.redisfailover.proxy.client;

import java.nio.charset.StandardCharsets;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespNumbers;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.proxy.backend.Credentials;

/**
 * {@code HELLO [protover [AUTH user pass] [SETNAME name]]}, read and checked as Redis checks it, with Redis'
 * errors.
 *
 * @param protocol the protocol asked for (the client's current one when HELLO names none)
 * @param auth     the AUTH option's user and password, or null
 * @param setName  whether SETNAME came with a name to set
 * @param name     the name SETNAME gives (null: an empty name, which clears it)
 * @param error    Redis' error for a HELLO it would refuse, or null
 */
record HelloRequest(RespVersion protocol, Credentials auth, boolean setName, String name, String error) {

    private static HelloRequest refused(String error) {
        return new HelloRequest(null, null, false, null, error);
    }

    static HelloRequest parse(RedisRequest request, RespVersion current) {
        if (request.argc() < 2) {
            return new HelloRequest(current, null, false, null, null);
        }
        long version = request.argAsLong(1);
        if (version == RespNumbers.INVALID) {
            return refused("ERR Protocol version is not an integer or out of range");
        }
        RespVersion protocol = RespVersion.of(version);
        if (protocol == null) {
            return refused("NOPROTO unsupported protocol version");
        }
        Credentials auth = null;
        boolean setName = false;
        String name = null;
        for (int i = 2; i < request.argc(); i++) {
            int remaining = request.argc() - i - 1;
            if (request.argEqualsIgnoreCase(i, "auth") && remaining >= 2) {
                auth = new Credentials(request.argAsString(i + 1), request.argAsString(i + 2));
                i += 2;
            } else if (request.argEqualsIgnoreCase(i, "setname") && remaining >= 1) {
                byte[] given = request.arg(++i);
                if (!validName(given)) {
                    return refused(INVALID_NAME);
                }
                setName = true;
                name = given.length == 0 ? null : new String(given, StandardCharsets.UTF_8);
            } else {
                return refused("ERR Syntax error in HELLO option '" + request.argAsString(i) + "'");
            }
        }
        return new HelloRequest(protocol, auth, setName, name, null);
    }

    static final String INVALID_NAME = "ERR Client names cannot contain spaces, newlines or special characters.";

    /** Redis' rule for client names: printable characters other than the space. */
    static boolean validName(byte[] name) {
        for (byte b : name) {
            if (b < '!' || b > '~') {
                return false;
            }
        }
        return true;
    }
}
