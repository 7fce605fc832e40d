package org.redisfailover.app;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code redis-failover} executable. */
@Command(
        name = "redis-failover",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A transparent Redis proxy with automatic failover.",
        subcommands = {
            ProxyCommand.class,
            MonitorCommand.class,
            StatusCommand.class,
            SwitchoverCommand.class,
            ForgetReplicaCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class
        })
public final class RedisFailoverMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand (try 'redis-failover proxy --help')");
    }

    /** The commands that read {@code --config}: those that run against a group. */
    private static final List<String> CONFIGURED =
            List.of("proxy", "monitor", "status", "switchover", "forget-replica");

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses and runs {@code args}; returns the exit code (2 for usage and configuration errors). */
    static int run(String... args) {
        CommandLine commandLine;
        try {
            commandLine = commandLine(args);
        } catch (IOException e) {
            new CommandLine(new RedisFailoverMain())
                    .getErr()
                    .println("redis-failover: cannot read the --config file: " + e);
            return 2;
        } catch (IllegalArgumentException e) {
            new CommandLine(new RedisFailoverMain()).getErr().println("redis-failover: " + e.getMessage());
            return 2;
        }
        return commandLine.execute(args);
    }

    /**
     * A usage or configuration error: its message (with picocli's suggestions for a mistyped option) and
     * where the usage is, not the whole usage text, which would bury the one line that matters (under
     * systemd's Restart=on-failure, in a journal flooded by restarts). Exit status 2.
     */
    private static int usageError(CommandLine.ParameterException error, String[] args) {
        CommandLine command = error.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("redis-failover: " + error.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(error, err);
        err.println("(see '" + command.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return 2;
    }

    /** A start that failed for a reason the operator can act on is one line; anything else keeps its stack trace. Exit status 1. */
    private static int startError(Exception error, CommandLine command, CommandLine.ParseResult parsed)
            throws Exception {
        if (!(error instanceof StartFailure)) {
            throw error;
        }
        command.getErr().println("redis-failover: " + error.getMessage());
        command.getErr().flush();
        return 1;
    }

    /**
     * The command line for {@code args}, the proxy's option defaults taken from its {@code --config}
     * file; at start-up and again at every reload. An unknown key in the file is an error naming it.
     */
    static CommandLine commandLine(String... args) throws IOException {
        CommandLine commandLine = new CommandLine(new RedisFailoverMain())
                .setParameterExceptionHandler(RedisFailoverMain::usageError)
                .setExecutionExceptionHandler(RedisFailoverMain::startError);
        CommandLine proxy = commandLine.getSubcommands().get("proxy");
        proxy.<ProxyCommand>getCommand().originalArgs = args.clone();
        commandLine.getSubcommands().get("monitor").<MonitorCommand>getCommand().originalArgs = args.clone();
        ConfigFileDefaults defaults = ConfigFileDefaults.fromArgs(args);
        if (defaults != null) {
            List<CommandLine> readers =
                    CONFIGURED.stream().map(commandLine.getSubcommands()::get).toList();
            // One file serves every command on a host: a key is wrong only when no command has it.
            List<String> unknown = defaults.unknownKeys(
                    readers.stream().map(CommandLine::getCommandSpec).toList());
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(
                        defaults.file() + ": unknown key(s) " + unknown + " (see 'redis-failover proxy --help')");
            }
            readers.forEach(reader -> reader.setDefaultValueProvider(defaults));
        }
        return commandLine;
    }
}
