package org.redisfailover.proxy.errors;

import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Every error line the proxy makes itself (Redis' own wording, such as NOAUTH or NOSCRIPT, stays where Redis'
 * behaviour is reproduced), so that their wording is reviewed in one place and fixed by
 * {@code ProxyErrorsGoldenTest}. The code is the client's to act on:
 * <ul>
 *   <li>{@code ERR}: the command did not run (or, for a read, had no effect); trying again is safe.</li>
 *   <li>{@code UNCERTAIN}: it may or may not have been applied, or was applied but may not survive a failover.</li>
 *   <li>{@code NOREPLICAS}: Redis' own code for a write refused for want of replicas; not applied.</li>
 * </ul>
 */
public final class ProxyErrors {

    private static final String ERR = "ERR redis-failover: ";
    private static final String UNCERTAIN = Replies.UNCERTAIN_CODE + " redis-failover: ";

    /** A request that finds the hold queue full while there is no master. */
    public static final String HOLD_QUEUE_FULL = ERR + "no master available and the hold queue is full";
    /** Read policy {@code replica} with no healthy replica. */
    public static final String NO_HEALTHY_REPLICA = ERR + "no healthy replica to read from (read policy 'replica')";

    public static final String SELECT_IN_TRANSACTION =
            ERR + "SELECT inside MULTI or WATCH is not supported; select the database before WATCH or MULTI";
    public static final String MASTER_CHANGED_DURING_WAIT =
            ERR + "the master changed during WAIT; writes sent before it may not have reached the new master";
    public static final String HELLO_SWITCH_IN_TRANSACTION =
            ERR + "HELLO cannot switch protocols inside MULTI or WATCH; switch before WATCH or MULTI";
    public static final String HELLO_SWITCH_SUBSCRIBED =
            ERR + "HELLO cannot switch protocols while subscribed; unsubscribe first";
    public static final String HELLO_SWITCH_TRACKING =
            ERR + "HELLO cannot switch protocols while CLIENT TRACKING is on; turn it off first";
    public static final String TRACKING_REDIRECT =
            ERR + "CLIENT TRACKING REDIRECT is not supported: the invalidations come on the "
                    + "tracking connection itself, as RESP3 pushes (send HELLO 3 first)";
    public static final String TRACKING_NEEDS_RESP3 =
            ERR + "CLIENT TRACKING needs RESP3 through the proxy (send HELLO 3 first): "
                    + "in RESP2 Redis can only send invalidations to another connection (REDIRECT)";

    private ProxyErrors() {}

    /** A request to a node whose connection cannot be opened now. */
    /** ACL SETUSER or DELUSER of the user the proxy and its monitor log in as. */
    public static String protectedAclUser(String command, String user) {
        return ERR + command + " of '" + user + "' is refused through redis-failover: the proxy and its monitor log in"
                + " as '" + user + "', and a change made here could lock them out of every node; change it on the"
                + " nodes directly";
    }

    /** An ACL change the master made but that could not be read back, so not spread to the replicas. */
    public static String aclNotSpread(String command, NodeAddress master, String why) {
        return ERR + command + " ran on the master " + master + " but could not be read back to reach the replicas ("
                + why + "); run it again";
    }

    /** An ACL change undone on every node because a replica refused it or it could not be recorded. */
    public static String aclUndone(String command, String why) {
        return ERR + command + " was undone on every node: " + why;
    }

    /** SCRIPT KILL or FUNCTION KILL with no node of the group reachable from this proxy. */
    public static String noNodeForKill(String command) {
        return ERR + command + " found no node of the group to reach; try again";
    }

    /** SCRIPT KILL or FUNCTION KILL that one node may be running a script for, but did not answer. */
    public static String killNotDelivered(String command, NodeAddress node, String reason) {
        return ERR + command + " got no answer from " + node + " (" + reason + "); a script may still run there";
    }

    public static String unreachable(NodeAddress node, String lastFailure) {
        return ERR + node + " is unreachable (" + lastFailure + ")";
    }

    public static String tooManyInFlight(NodeAddress node) {
        return ERR + "too many requests in flight to " + node + ", try again";
    }

    public static String tooManyWaiting(NodeAddress node) {
        return ERR + "too many requests waiting for " + node + ", try again";
    }

    /** A request held the whole hold timeout for a master; {@code why}: what the topology says, or null. */
    public static String noMaster(String why, long heldMillis) {
        return ERR + "no master available (" + (why == null ? "" : why + "; ") + "request held " + heldMillis + " ms)";
    }

    /** A write held the whole hold timeout for replicas that could acknowledge it: Redis' own answer when min-replicas-to-write is not met. */
    public static String notEnoughReplicas(String why, long heldMillis) {
        return "NOREPLICAS Not enough good replicas to write (redis-failover: " + why + "; request held " + heldMillis
                + " ms)";
    }

    /** Cluster mode: a request still redirected after {@code hops} redirections ({@code last}: the last one). */
    public static String tooManyRedirects(int hops, String last) {
        return ERR + "the cluster redirected the request " + hops + " times (last: " + last + "); try again";
    }

    /** Cluster mode: a transaction's command refused with {@code redirection} because its slot moved to another node. */
    public static String slotMovedInTransaction(String redirection) {
        return ERR + "the key's slot moved to another node as the transaction began (" + redirection
                + "); the transaction will be aborted, run it again";
    }

    /** Cluster mode: a node's SCAN cursor too large to carry beside a slot in the proxy's cursor. */
    public static String scanCursorTooLarge(String nodeCursor) {
        return ERR + "a node's SCAN cursor " + nodeCursor + " is too large to go on through the proxy";
    }

    /** Cluster mode: a CLUSTER subcommand that changes or inspects one node, which the proxy does not present. */
    public static String clusterSubcommandRefused(String subcommand) {
        return ERR + "CLUSTER " + subcommand + " is not available through the proxy, which presents the cluster as"
                + " one node; run it on a node directly";
    }

    /** A held request the proxy gives up on ({@code reason}: it is stopping, say). */
    public static String heldRequestFailed(String reason) {
        return ERR + reason;
    }

    /** The connection broke before the reply; {@code definite}: the request had no effect (a read, a command queued in MULTI). */
    public static String lostBeforeReply(NodeAddress node, String reason, boolean definite) {
        return definite
                ? ERR + "connection to " + node + " lost before the reply (" + reason + ")"
                : UNCERTAIN + "connection to " + node + " lost before the reply (" + reason
                        + "); the command may or may not have been applied";
    }

    /** Safe mode: the connection broke after a write was sent and before replicas acknowledged it. */
    public static String lostBeforeAcknowledged(NodeAddress node, String reason) {
        return UNCERTAIN + "the connection to " + node + " broke before replicas acknowledged the write (" + reason
                + "); it may or may not have been applied";
    }

    /** Safe mode: the write was applied on the master, but {@code count} (what WAIT said) is fewer replicas than {@code replicas}. */
    public static String notAcknowledged(String count, int replicas) {
        return UNCERTAIN + "the write was applied on the master but " + count + " (min-replica-acks " + replicas
                + "); it may not survive a failover";
    }

    /** A write's reply came after the ZooKeeper write lease lapsed, and {@code why} (a fence, a new master) came before it was confirmed again. */
    public static String answeredAfterLeaseLapsed(NodeAddress master, String why) {
        return UNCERTAIN + "the reply from " + master + " came after the proxy's ZooKeeper lease lapsed and " + why
                + " before ZooKeeper confirmed it again; the command was applied on " + master
                + " but may not survive a failover";
    }

    /** A command that needs a connection of the client's own to the master (AUTH, CLIENT TRACKING), with none to write to. */
    public static String noMasterToRun(String command) {
        return ERR + "no master available to run " + command + " on";
    }

    /** A blocking call interrupted by a failover, with no master to resume it on within the hold timeout. */
    public static String noMasterToResume(String command) {
        return ERR + "no master available to resume " + command + " on";
    }

    public static String lostDuringWait(NodeAddress node, String reason) {
        return ERR + "the connection to " + node + " was lost during WAIT (" + reason
                + "); writes sent before it may not have reached the new master";
    }

    /** A command for the whole group (CONFIG SET, CONFIG RESETSTAT) with no master to start with. */
    public static String groupCommandNeedsMaster(String command) {
        return ERR + command
                + " must reach the group's master, and there is none to write to now (a failover is under way); try again";
    }

    public static String groupCommandInMulti(String command) {
        return ERR + command
                + " inside MULTI is not supported: it must reach every node of the group; run it outside the transaction";
    }

    /** CONFIG SET of a parameter the proxy keeps for itself or refuses: Redis' own wording, with the proxy's reason. */
    public static String configSetRefused(String parameter, String refusal) {
        return "ERR CONFIG SET failed (possibly related to argument '" + parameter + "') - refused by redis-failover: "
                + refusal;
    }

    /** A CONFIG SET a replica refused, or that could not be recorded: the group has its previous values back. */
    public static String configSetUndone(String why) {
        return "ERR CONFIG SET failed: " + why + "; the previous values were restored on the group";
    }

    /** A command the proxy never forwards. */
    public static String notAllowed(String command, String reason) {
        return "ERR " + command + " is not allowed through redis-failover: " + reason;
    }

    /** A command the proxy cannot carry yet. */
    public static String notSupportedYet(String command, String reason) {
        return "ERR " + command + " is not supported by redis-failover yet: " + reason;
    }

    /** A SCAN cursor from a node that is no longer routed to. */
    public static String cursorElsewhere(NodeAddress node) {
        return ERR + "this cursor belongs to " + node
                + ", which is no longer routed to; start the scan again from cursor 0";
    }

    /** A transaction whose connection was lost: its later commands are answered with this. */
    public static String transactionAborted(String reason) {
        return ERR + "the transaction was aborted: " + reason;
    }
}
