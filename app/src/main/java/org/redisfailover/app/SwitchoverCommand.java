package org.redisfailover.app;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.SwitchoverRequest;
import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redis-failover switchover [--to host:port]}: a planned, lossless change of master. The
 * command only asks: it leaves a request in ZooKeeper for the leading monitor (the one component that
 * changes the topology, so a switchover can never race a failover) and waits for the answer in the
 * failover history. Exit status 0 when done, 1 when refused, aborted or unanswered.
 */
@Command(
        name = "switchover",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {
            "Hands the master role to a replica without losing a write.",
            "The proxies hold new writes and finish those in flight, the master's writes are paused, the replica catches",
            "up and is promoted, and the held writes go to it."
        })
public final class SwitchoverCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigFileOption config = new ConfigFileOption();

    @CommandLine.Mixin
    ZooKeeperOptions zooKeeper = new ZooKeeperOptions();

    @CommandLine.Mixin
    LogOptions logs = new LogOptions();

    @Option(
            names = "--to",
            paramLabel = "HOST:PORT",
            description = "The replica to promote (default: the most up-to-date one).")
    String to;

    @Option(
            names = "--timeout-ms",
            defaultValue = "30000",
            description = "How long to wait for the leading monitor's answer (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Override
    public Integer call() throws Exception {
        ZkLayout layout;
        ZkAccess zkAccess;
        SwitchoverRequest request;
        try {
            layout = zooKeeper.layout();
            zkAccess = zooKeeper.access();
            // As the caller's logging is (a command run inside the demo or a test) unless --log-level says otherwise.
            logs.apply(LogSetup.ownLevel(), List.of());
            request = new SwitchoverRequest(
                    UUID.randomUUID().toString(),
                    to == null ? null : NodeAddress.parse(to).toString());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.printf(
                "switchover %s requested%s; waiting for the leading monitor%n",
                request.id(), to == null ? "" : " to " + to);
        out.flush();
        Optional<SwitchEvent> answer = LeaderRequest.ask(
                zooKeeper,
                layout,
                zkAccess,
                layout.switchover(),
                "switchover",
                request.id(),
                request.encode(),
                timeoutMs,
                err);
        if (answer.isEmpty()) {
            return 1;
        }
        SwitchEvent event = answer.get();
        out.printf(
                "switchover %s: %s -> %s at epoch %d%s%n  %s%n",
                event.outcome(),
                event.from(),
                event.to() == null ? "-" : event.to(),
                event.epoch(),
                event.totalMs() == null ? "" : ", writes held " + event.totalMs() + " ms",
                event.detail());
        return "done".equals(event.outcome()) ? 0 : 1;
    }
}
