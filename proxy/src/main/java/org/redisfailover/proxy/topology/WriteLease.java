package org.redisfailover.proxy.topology;

import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;

/**
 * Whether this proxy may send a write to the master now: two leases, each timed on the monotonic clock
 * from the <em>send time</em> of the request that renewed it, never from when an answer or a failure was
 * noticed (a silent partition is noticed late; a frozen process notices nothing).
 *
 * <ul>
 *   <li><b>ZooKeeper</b> (when the proxy follows it): renewed by every answered confirmation read of the
 *       topology. Writes go to the master, and their replies to clients, only while the last one was sent
 *       less than {@code replication-guard-ms} ago (the write lease); the proxy fences itself
 *       {@code fence-timeout-ms} after it. A monitor that publishes a new epoch waits the fence timeout before
 *       it promotes anyone, unless the proxy acknowledged the epoch; so a proxy that cannot learn of the epoch
 *       (cut off, frozen, its threads stuck) has stopped writing by then. The shorter write lease bounds what a
 *       master cut off with its proxy acknowledges, even when a replica cut off on the same side still
 *       acknowledges its replication.</li>
 *   <li><b>Replication</b> (following ZooKeeper, with replicas in the topology and the guard on): renewed
 *       when a replica acknowledges a heartbeat write on the master ({@code WAIT}), lapsing
 *       {@code replication-guard-ms} after the last acknowledged one was sent. A master that has stopped
 *       replicating (cut off from its replicas) gets no more writes, which bounds what an isolated master
 *       can acknowledge and a failover then discards.</li>
 * </ul>
 *
 * Thread-safe: written by the ZooKeeper confirmation thread and the guard's event loop, read on every
 * write's path.
 */
public final class WriteLease {

    private final boolean followsZooKeeper;
    private final long fenceNanos;
    /** How long after the last answered confirmation was sent writes still go out: the guard's length, at most the fence. */
    private final long writeNanos;

    private volatile long confirmedAtNanos;
    private final long guardNanos;
    /** The master the replication lease is about; null while the guard does not apply. */
    private volatile NodeAddress guarded;

    private volatile long replicatedAtNanos;

    /**
     * @param fenceNanos the ZooKeeper lease's length; 0 for a proxy with a fixed master, which has none
     * @param guardNanos the replication lease's length; 0 turns the guard off
     */
    public WriteLease(long fenceNanos, long guardNanos) {
        this.followsZooKeeper = fenceNanos > 0;
        this.fenceNanos = fenceNanos;
        this.writeNanos = guardNanos > 0 ? Math.min(guardNanos, fenceNanos) : fenceNanos;
        this.guardNanos = guardNanos;
        long now = System.nanoTime();
        this.confirmedAtNanos = now - fenceNanos - 1; // nothing confirmed yet
        this.replicatedAtNanos = now;
    }

    /** A proxy with a fixed master: both leases always hold. */
    public static WriteLease none() {
        return new WriteLease(0, 0);
    }

    public boolean followsZooKeeper() {
        return followsZooKeeper;
    }

    /** True while both leases hold at {@code nowNanos}. */
    public boolean writable(long nowNanos) {
        return confirmedForWrites(nowNanos) && replicated(nowNanos);
    }

    /** The ZooKeeper lease before the proxy fences itself (the fence timeout). */
    public boolean confirmed(long nowNanos) {
        return !followsZooKeeper || nowNanos - confirmedAtNanos < fenceNanos;
    }

    /** The ZooKeeper lease for writes (the shorter write lease): a write's reply is acknowledged only while it holds. */
    public boolean confirmedForWrites(long nowNanos) {
        return !followsZooKeeper || nowNanos - confirmedAtNanos < writeNanos;
    }

    /** The write lease's length in milliseconds. */
    public long writeLeaseMillis() {
        return writeNanos / 1_000_000;
    }

    public boolean replicated(long nowNanos) {
        return guarded == null || nowNanos - replicatedAtNanos < guardNanos;
    }

    /**
     * A confirmation read sent at {@code sentAtNanos} was answered (and whatever newer topology it showed is
     * installed). Returns true if this lifted a lapsed write lease, the shorter one: the writes held since it lapsed,
     * and the replies that came back after, wait for exactly this.
     */
    public boolean confirm(long sentAtNanos) {
        boolean wasLapsed = !confirmedForWrites(System.nanoTime());
        if (sentAtNanos - confirmedAtNanos > 0) {
            confirmedAtNanos = sentAtNanos;
        }
        return wasLapsed && confirmedForWrites(System.nanoTime());
    }

    /** When the ZooKeeper lease lapses unless renewed (monotonic nanoseconds). */
    public long confirmedUntilNanos() {
        return confirmedAtNanos + fenceNanos;
    }

    /** Nanoseconds since the last answered confirmation was sent. */
    public long confirmationAgeNanos(long nowNanos) {
        return nowNanos - confirmedAtNanos;
    }

    /**
     * A topology was installed: the guard applies to its master if the proxy follows ZooKeeper, the guard is
     * on and there is a replica the leader reaches (with every replica down no failover is possible, and holding
     * writes would only stop the group). A new master starts with a full lease, the time its replicas take to attach.
     */
    public void guard(Topology topology) {
        boolean applies = followsZooKeeper && guardNanos > 0 && topology.hasMaster() && topology.hasReachableReplica();
        NodeAddress master = applies ? topology.master() : null;
        if (master != null && !master.equals(guarded)) {
            replicatedAtNanos = System.nanoTime();
        }
        guarded = master;
    }

    /** The master being guarded, or null. */
    public NodeAddress guardedMaster() {
        return guarded;
    }

    /**
     * A replica acknowledged the heartbeat write sent to {@code master} at {@code sentAtNanos}: every write the
     * master took before it is on a replica. Returns true if this lifted a lapsed lease.
     */
    public boolean replicated(NodeAddress master, long sentAtNanos) {
        if (!master.equals(guarded)) {
            return false;
        }
        boolean wasLapsed = !replicated(System.nanoTime());
        if (sentAtNanos - replicatedAtNanos > 0) {
            replicatedAtNanos = sentAtNanos;
        }
        return wasLapsed && replicated(System.nanoTime());
    }

    /** The guard's own connection to {@code master} broke: nothing is known to replicate until it is back. */
    public void replicationUnknown(NodeAddress master) {
        if (master.equals(guarded)) {
            replicatedAtNanos = System.nanoTime() - guardNanos;
        }
    }

    /** Milliseconds since the last acknowledged heartbeat was sent, or -1 while the guard does not apply. */
    public long replicationAgeMillis(long nowNanos) {
        return guarded == null ? -1 : (nowNanos - replicatedAtNanos) / 1_000_000;
    }

    public long guardMillis() {
        return guardNanos / 1_000_000;
    }

    public long fenceMillis() {
        return fenceNanos / 1_000_000;
    }
}
