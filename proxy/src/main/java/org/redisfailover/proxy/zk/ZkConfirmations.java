package org.redisfailover.proxy.zk;

import java.io.Closeable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ThreadUtils;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.proxy.topology.TopologyHolder;
import org.redisfailover.proxy.topology.WriteLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the proxy's ZooKeeper lease ({@link WriteLease}) and fences the proxy when it lapses.
 *
 * <p>Each round sends, pipelined on the session, {@code sync} and {@code getData} of the topology znode and
 * {@code exists} of the proxy's own registration, and notes the send time. When all three are answered,
 * the registration belongs to this session (so a monitor that published a newer epoch knows this proxy and
 * waits for it), and the topology read is at least as new as anything the leader had written when the
 * round was sent: a newer epoch in it is installed, and the lease is renewed from the send time. A monitor
 * writes a new epoch only after every round it could have missed was sent, so waiting the fence timeout
 * after its write covers this proxy whatever happened to it since (docs/PROXY.md, "Following ZooKeeper").
 * A topology whose epoch is below the one in force (deleted and re-created, or a ZooKeeper that lost its
 * data) renews nothing: the proxy fences rather than follow it back.
 *
 * <p>Runs on a thread of its own with ZooKeeper's asynchronous calls, so nothing else the proxy does with
 * ZooKeeper (watches, registration, the co-located monitor) can delay a round or the fence. A timer on the
 * same thread fences the proxy once the lease has lapsed; the write path checks the lease on the clock
 * anyway, so a late timer only delays closing the master's connections.
 */
final class ZkConfirmations implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(ZkConfirmations.class);

    private final CuratorFramework client;
    private final String topologyPath;
    private final String registrationPath;
    private final TopologyHolder holder;
    private final Consumer<Topology> install;
    private final Runnable fenceChanged;
    private final long intervalMillis;
    private final ScheduledExecutorService thread;
    private boolean roundInFlight;
    private long roundSentAtNanos;
    private ScheduledFuture<?> fenceCheck;
    /** What the last failed round said, so that a long outage logs once, not at every round. */
    private String lastProblem;

    /**
     * @param install      installs a topology read by a round (newer epochs only; the follower's own path)
     * @param fenceChanged told, on this class' thread, after the proxy fenced or unfenced itself
     */
    ZkConfirmations(
            CuratorFramework client,
            String topologyPath,
            String registrationPath,
            TopologyHolder holder,
            Consumer<Topology> install,
            Runnable fenceChanged) {
        this.client = client;
        this.topologyPath = topologyPath;
        this.registrationPath = registrationPath;
        this.holder = holder;
        this.install = install;
        this.fenceChanged = fenceChanged;
        // Several rounds per lease, so one slow answer or a reconnect to another server neither fences nor holds
        // writes.
        this.intervalMillis = Math.max(
                20,
                Math.min(
                        500,
                        Math.min(
                                holder.lease().fenceMillis() / 6, holder.lease().writeLeaseMillis() / 4)));
        this.thread =
                Executors.newSingleThreadScheduledExecutor(ThreadUtils.newThreadFactory("redis-failover-zk-lease"));
    }

    void start() {
        // The first round gets one lease's length to succeed. Without this check a proxy cut off before its
        // first confirmation held its writes (the lease never held) but never said it was fenced. Assigned
        // before the rounds are scheduled, so the thread that runs them sees it.
        fenceCheck = thread.schedule(this::checkFence, holder.lease().fenceMillis(), TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(this::round, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs a round now (reconnected: no need to wait for the next one to lift a fence). */
    void roundNow() {
        thread.execute(this::round);
    }

    private void round() {
        if (roundInFlight
                && System.nanoTime() - roundSentAtNanos < holder.lease().fenceMillis() * 1_000_000L) {
            return; // ZooKeeper answers every call, at the latest with a connection loss; past the lease, try again
            // anyway
        }
        ZooKeeper zooKeeper;
        try {
            zooKeeper = client.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            problem("no ZooKeeper handle: " + e);
            return;
        }
        Round round = new Round(System.nanoTime(), zooKeeper.getSessionId());
        roundInFlight = true;
        roundSentAtNanos = round.sentAtNanos;
        try {
            zooKeeper.sync(topologyPath, (rc, path, ctx) -> round.syncCode = rc, null);
            zooKeeper.getData(
                    topologyPath,
                    false,
                    (rc, path, ctx, data, stat) -> {
                        round.dataCode = rc;
                        round.data = data;
                    },
                    null);
            zooKeeper.exists(
                    registrationPath,
                    false,
                    (rc, path, ctx, stat) -> {
                        round.registrationCode = rc;
                        round.registration = stat;
                        thread.execute(() -> complete(round));
                    },
                    null);
        } catch (RuntimeException e) {
            roundInFlight = false;
            problem("could not send a confirmation round: " + e);
        }
    }

    /** The three answers are in (on this thread). */
    private void complete(Round round) {
        if (round.sentAtNanos == roundSentAtNanos) {
            roundInFlight = false;
        }
        String problem = round.problem(topologyPath, registrationPath);
        if (problem != null) {
            problem(problem);
            return;
        }
        Topology read;
        try {
            read = TopologyJson.decode(round.data);
        } catch (IllegalArgumentException e) {
            problem("the topology in " + topologyPath + " is invalid: " + e.getMessage());
            return;
        }
        long inForce = holder.current().epoch();
        if (read.epoch() < inForce) {
            problem(
                    "the topology in " + topologyPath + " went back to epoch " + read.epoch() + " below the " + inForce
                            + " in force (re-created, or ZooKeeper lost its data): not following it back; a monitor re-seeds above");
            return;
        }
        if (read.epoch() > inForce) {
            install.accept(read);
        }
        boolean restored = holder.lease().confirm(round.sentAtNanos);
        if (lastProblem != null) {
            log.info("ZooKeeper confirms epoch {} again", read.epoch());
            lastProblem = null;
        }
        if (holder.isFenced()) {
            log.atInfo()
                    .addKeyValue("event", "unfenced")
                    .addKeyValue("epoch", holder.current().epoch())
                    .log(
                            "ZooKeeper view confirmed at epoch {}: fence lifted",
                            holder.current().epoch());
            holder.setFenced(false);
            fenceChanged.run();
        } else if (restored) {
            holder.leaseRestored();
        }
        scheduleFenceCheck();
    }

    private void scheduleFenceCheck() {
        if (fenceCheck != null) {
            fenceCheck.cancel(false);
        }
        long delay = holder.lease().confirmedUntilNanos() - System.nanoTime();
        fenceCheck = thread.schedule(this::checkFence, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    private void checkFence() {
        WriteLease lease = holder.lease();
        if (holder.isFenced() || lease.confirmed(System.nanoTime())) {
            return;
        }
        log.atError()
                .addKeyValue("event", "fenced")
                .addKeyValue("epoch", holder.current().epoch())
                .log(
                        "no ZooKeeper confirmation for {} ms ({}): fenced, writes are held until ZooKeeper confirms the topology again",
                        lease.confirmationAgeNanos(System.nanoTime()) / 1_000_000,
                        lastProblem == null ? "no answer" : lastProblem);
        holder.setFenced(true);
        fenceChanged.run();
    }

    private void problem(String what) {
        if (!what.equals(lastProblem)) {
            log.warn("ZooKeeper confirmation failed: {}", what);
            lastProblem = what;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** One round's answers, filled in by ZooKeeper's event thread in request order. */
    private static final class Round {
        final long sentAtNanos;
        final long sessionId;
        volatile int syncCode = Integer.MIN_VALUE;
        volatile int dataCode = Integer.MIN_VALUE;
        volatile byte[] data;
        volatile int registrationCode = Integer.MIN_VALUE;
        volatile Stat registration;

        Round(long sentAtNanos, long sessionId) {
            this.sentAtNanos = sentAtNanos;
            this.sessionId = sessionId;
        }

        String problem(String topologyPath, String registrationPath) {
            if (syncCode != KeeperException.Code.OK.intValue()) {
                return "sync: " + KeeperException.Code.get(syncCode);
            }
            if (dataCode != KeeperException.Code.OK.intValue()) {
                return "reading " + topologyPath + ": " + KeeperException.Code.get(dataCode);
            }
            if (registrationCode != KeeperException.Code.OK.intValue() || registration == null) {
                return "this proxy's registration " + registrationPath + " is not there yet ("
                        + KeeperException.Code.get(registrationCode) + ")";
            }
            if (registration.getEphemeralOwner() != sessionId) {
                return "this proxy's registration " + registrationPath
                        + " belongs to another session, not yet re-created in this one";
            }
            return null;
        }
    }
}
