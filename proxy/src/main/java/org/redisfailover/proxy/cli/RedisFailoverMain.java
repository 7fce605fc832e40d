package org.redisfailover.proxy.cli;

import java.io.IOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code redis-failover} executable. */
@Command(name = "redis-failover",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A transparent Redis proxy with automatic failover.",
        subcommands = {ProxyCommand.class, MonitorCommand.class, StatusCommand.class, SwitchoverCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class RedisFailoverMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (try 'redis-failover proxy --help')");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses and runs {@code args}; returns the exit code (2 for usage and configuration errors). */
    static int run(String... args) {
        CommandLine commandLine = new CommandLine(new RedisFailoverMain());
        CommandLine proxy = commandLine.getSubcommands().get("proxy");
        try {
            ConfigFileDefaults defaults = ConfigFileDefaults.fromArgs(args);
            if (defaults != null) {
                List<String> unknown = defaults.unknownKeys(proxy.getCommandSpec());
                if (!unknown.isEmpty()) {
                    commandLine.getErr().println("redis-failover: " + defaults.file() + ": unknown key(s) " + unknown
                            + " (see 'redis-failover proxy --help')");
                    return 2;
                }
                proxy.setDefaultValueProvider(defaults);
            }
        } catch (IOException e) {
            commandLine.getErr().println("redis-failover: cannot read the --config file: " + e);
            return 2;
        }
        return commandLine.execute(args);
    }
}
