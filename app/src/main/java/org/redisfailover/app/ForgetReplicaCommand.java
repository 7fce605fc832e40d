package org.redisfailover.app;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.redisfailover.protocol.topology.ForgetRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redis-failover forget-replica HOST:PORT [--accept-loss]}: gives up on a replica lost for good (a
 * decommissioned host, a lost disk), so that the group stops waiting for it. Like {@code switchover}, the command
 * only asks the leading monitor and waits for its answer. Exit status 0 when forgotten, 1 otherwise.
 */
@Command(
        name = "forget-replica",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {
            "Removes a replica lost for good from the topology and from safe mode's sync set.",
            "The group then stops waiting for it. Refused while it answers with the group's history. While a master serves, nothing is lost",
            "(in safe mode the leader first lets the other replicas catch up with what it acknowledged). While a safe-mode",
            "failover waits for it, the writes only it acknowledged are lost: that needs --accept-loss."
        })
public final class ForgetReplicaCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigFileOption config = new ConfigFileOption();

    @CommandLine.Mixin
    ZooKeeperOptions zooKeeper = new ZooKeeperOptions();

    @CommandLine.Mixin
    LogOptions logs = new LogOptions();

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The replica to forget, as the topology names it.")
    String replica;

    @Option(
            names = "--accept-loss",
            description = "Go on without it even while a safe-mode failover waits for it, losing the writes only "
                    + "it acknowledged.")
    boolean acceptLoss;

    @Option(
            names = "--timeout-ms",
            defaultValue = "30000",
            description = "How long to wait for the leading monitor's answer (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Override
    public Integer call() throws Exception {
        ZkLayout layout;
        ZkAccess zkAccess;
        ForgetRequest request;
        try {
            layout = zooKeeper.layout();
            zkAccess = zooKeeper.access();
            // As the caller's logging is (a command run inside the demo or a test) unless --log-level says otherwise.
            logs.apply(LogSetup.ownLevel(), List.of());
            request = new ForgetRequest(
                    UUID.randomUUID().toString(), NodeAddress.parse(replica).toString(), acceptLoss);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<SwitchEvent> answer = LeaderRequest.ask(
                zooKeeper,
                layout,
                zkAccess,
                layout.forgetReplica(),
                "forget-replica request",
                request.id(),
                request.encode(),
                timeoutMs,
                err);
        if (answer.isEmpty()) {
            return 1;
        }
        SwitchEvent event = answer.get();
        boolean done = "done".equals(event.outcome());
        (done ? out : err)
                .printf(
                        "forget-replica %s: %s at epoch %d%n  %s%n",
                        event.from(), done ? "forgotten" : "refused", event.epoch(), event.detail());
        return done ? 0 : 1;
    }
}
