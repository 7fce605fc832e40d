package org.redisfailover.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension: one replication group per test class, a master and two replicas as real
 * redis-server processes on free loopback ports, synced before the first test and stopped after the
 * last. Tests receive it as a parameter. {@code @ExtendWith(RedisGroup.class)} starts plain nodes; a
 * {@code @RegisterExtension} field made with {@link #withArgs} passes more arguments to every node
 * (persistence, say).
 */
public final class RedisGroup implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private final String[] extraArgs;
    private Path dir;
    private RedisProcess master;
    private RedisProcess replica1;
    private RedisProcess replica2;

    public RedisGroup() {
        this(new String[0]);
    }

    private RedisGroup(String[] extraArgs) {
        this.extraArgs = extraArgs.clone();
    }

    /** A group whose nodes all run with {@code args} too (they come last, so they win). */
    public static RedisGroup withArgs(String... args) {
        return new RedisGroup(args);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        try {
            dir = Files.createTempDirectory("redis-group-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        master = RedisProcess.start(dir, null, extraArgs);
        replica1 = RedisProcess.start(dir, master, extraArgs);
        replica2 = RedisProcess.start(dir, master, extraArgs);
        replica1.awaitReplicationFrom(master);
        replica2.awaitReplicationFrom(master);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        Stream.of(replica2, replica1, master).filter(p -> p != null).forEach(RedisProcess::close);
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    public RedisProcess master() {
        return master;
    }

    public List<RedisProcess> replicas() {
        return List.of(replica1, replica2);
    }

    /** The master and both replicas, in that order. */
    public List<RedisProcess> all() {
        return List.of(master, replica1, replica2);
    }

    /**
     * Gives the group back its original roles after a test moved them (a failover, a switchover, a REPLICAOF):
     * every live node unpaused, the original master master again, the replicas replicating from it.
     */
    public void restoreRoles() {
        for (RedisProcess node : List.of(master, replica1, replica2)) {
            if (node.isAlive()) {
                try (redis.clients.jedis.Jedis jedis = node.client()) {
                    jedis.clientUnpause();
                    if (node == master) {
                        jedis.replicaofNoOne();
                    } else {
                        jedis.replicaof("127.0.0.1", master.port());
                    }
                }
            }
        }
    }

    /** Restarts any node a test killed, and waits until the group is synced again. */
    public void heal() {
        if (!master.isAlive()) {
            master.restart();
        }
        for (RedisProcess replica : replicas()) {
            if (!replica.isAlive()) {
                replica.restart();
            }
            replica.awaitReplicationFrom(master);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisGroup.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return this;
    }
}
