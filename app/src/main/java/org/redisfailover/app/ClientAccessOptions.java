package org.redisfailover.app;

import picocli.CommandLine.Option;

/** Who may use the proxy: its own password for clients, and protected mode. Both reload. */
final class ClientAccessOptions {

    @Option(
            names = "--requirepass-file",
            paramLabel = "FILE",
            description =
                    "A file holding the proxy's own password (its first line): clients must AUTH with it (or HELLO ... AUTH "
                            + "default <password>) before anything reaches Redis, as with Redis' requirepass. Without it, "
                            + "REDIS_FAILOVER_REQUIREPASS in the environment; re-read on reload.")
    String requirepassFile;

    @Option(
            names = "--protected-mode",
            paramLabel = "yes|no",
            defaultValue = "yes",
            description =
                    "As Redis' protected-mode: with no requirepass, clients from other hosts are refused with -DENIED unless "
                            + "the group asks every client for a password or the TLS port requires certificates (default: ${DEFAULT-VALUE}).")
    String protectedMode;

    /** The proxy's password: the file, else the environment; null for none. */
    String requirepass() {
        return requirepassFile != null
                ? Secrets.fromFile("requirepass-file", requirepassFile)
                : Secrets.fromEnvironment("REDIS_FAILOVER_REQUIREPASS");
    }

    boolean protectedMode() {
        return Secrets.yesNo("protected-mode", protectedMode);
    }
}
