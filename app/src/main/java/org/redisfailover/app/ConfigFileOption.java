package org.redisfailover.app;

import picocli.CommandLine.Option;

/**
 * {@code --config FILE}, the same for every command that runs against a group: the proxy's properties
 * file gives each command the options it has (ZooKeeper, its credentials and TLS, the backend's), so a
 * host with one file needs no flag repeated. {@link RedisFailoverMain} reads the file before parsing.
 */
final class ConfigFileOption {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "Properties file with option defaults, as 'name = value' with the option's long name (see conf/proxy.properties); "
                            + "every command reads the keys it has, flags win.")
    String config;
}
