package org.redisfailover.proxy.client;

import java.util.ArrayList;
import java.util.List;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.proxy.backend.Handshake;

/**
 * What the proxy makes of {@code CLIENT NO-TOUCH ON|OFF} (Redis 7.2) and {@code CLIENT NO-EVICT ON|OFF}: modes of
 * the client's connection, which a connection shared with other clients cannot carry. Once Redis accepts one, the
 * client runs on connections of its own that are opened with it, as a tracking client does. Redis checks the
 * arguments (and whether it knows the command at all) itself.
 */
final class ConnectionModeCommand {

    private ConnectionModeCommand() {}

    /** The handshake after Redis accepts {@code request}, or null when it cannot accept it (bad syntax). */
    static Handshake next(Handshake current, RedisRequest request) {
        if (request.argc() != 3) {
            return null;
        }
        boolean on = request.argEqualsIgnoreCase(2, "on");
        if (!on && !request.argEqualsIgnoreCase(2, "off")) {
            return null;
        }
        String mode = request.lowerCaseArg(1);
        List<List<byte[]>> modes = new ArrayList<>();
        if (current.modes() != null) {
            for (List<byte[]> command : current.modes()) {
                if (!new String(command.get(1)).equalsIgnoreCase(mode)) {
                    modes.add(command);
                }
            }
        }
        if (on) {
            modes.add(request.args());
        }
        return current.withModes(modes);
    }

    /** Whether the client's connections run with {@code mode} on ({@code no-touch}, {@code no-evict}). */
    static boolean isOn(Handshake handshake, String mode) {
        if (handshake.modes() == null) {
            return false;
        }
        for (List<byte[]> command : handshake.modes()) {
            if (new String(command.get(1)).equalsIgnoreCase(mode)) {
                return true;
            }
        }
        return false;
    }
}
