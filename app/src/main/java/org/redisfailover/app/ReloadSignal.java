package org.redisfailover.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP reloads the configuration, as for most daemons (and {@code systemctl reload}). Replaces the
 * JVM's default for SIGHUP, which is to shut down.
 */
final class ReloadSignal {

    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);

    private ReloadSignal() {}

    /** The proxy's reload, as SIGHUP runs it: a refusal was logged by ConfigReload, and the running configuration stays. */
    static void reload(ConfigReload reload) {
        try {
            reload.reload();
        } catch (IllegalArgumentException refused) {
            // ConfigReload logged why; the running configuration stays.
        }
    }

    /** Runs {@code reload} on every SIGHUP. */
    static void install(Runnable reload) {
        try {
            SignalHandler before = Signal.handle(new Signal("HUP"), signal -> reload.run());
            if (before == SignalHandler.SIG_IGN) {
                // Started with SIGHUP ignored (nohup): the JVM keeps it ignored and never calls the handler.
                log.warn(
                        "SIGHUP is ignored in this process (started under nohup?): it reloads nothing; use POST /reload on the "
                                + "admin endpoint, or start the process without nohup");
            }
        } catch (IllegalArgumentException unsupported) {
            // No SIGHUP on this platform (or the JVM runs with -Xrs): the admin endpoint's POST /reload still works.
            log.info(
                    "SIGHUP cannot be handled here ({}); reload with POST /reload on the admin endpoint",
                    unsupported.getMessage());
        }
    }
}
