package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * Cluster mode: a transaction whose slot moved under it runs again on the slot's node, and the client never hears
 * of the move. Nothing of a transaction runs before EXEC, and a node refuses EXEC with MOVED, ASK, TRYAGAIN or
 * CLUSTERDOWN before running any of it (Redis discards the transaction then), so MULTI, the queued commands and EXEC
 * sent again elsewhere run it exactly once.
 *
 * <ul>
 *   <li>The commands queued since MULTI are kept for that: at most {@value #MAX_COMMANDS} commands and {@value
 *       #MAX_BYTES} bytes; a bigger transaction gets the node's refusal as an error, as before.
 *   <li>A redirection met while queuing (the proxy's map was stale, or the slot is migrating) is answered
 *       {@code QUEUED}, as the right node would answer, and EXEC runs the transaction there.
 *   <li>After ASK the transaction runs on the importing node behind ASKING (which lasts for a whole transaction);
 *       after TRYAGAIN or CLUSTERDOWN, on the slot's master after a backoff.
 *   <li>A transaction that WATCHed keys is not run again: the watch lives on the node it was set on.
 * </ul>
 *
 * At most {@link ClusterRouting#MAX_REDIRECTS} MOVED or ASK, and within the hold timeout. Confined to the client's
 * event loop.
 */
final class TransactionReplay {

    static final int MAX_COMMANDS = 1000;
    static final long MAX_BYTES = 1L << 20;

    /** Where the transaction runs: the lane's pinned connection, moved to another node. */
    interface Pins {
        /** A fresh pin on {@code node}; the old one is discarded once what was sent on it is answered. */
        BackendConnection repin(NodeAddress node);
    }

    private final Routing routing;
    private final ClientConnections connections;
    private final EventLoop eventLoop;
    private final long holdTimeoutNanos;
    private final Pins pins;
    private final List<List<byte[]>> queued = new ArrayList<>();
    private long bytes;
    private boolean possible;
    /** A redirection a queued command met and that was answered QUEUED: EXEC runs the transaction elsewhere. */
    private String redirectWhileQueuing;
    /** The slot of the transaction's first command with keys, which chose its node; -1 before one. */
    private int transactionSlot = -1;

    TransactionReplay(
            Routing routing, ClientConnections connections, EventLoop eventLoop, long holdTimeoutNanos, Pins pins) {
        this.routing = routing;
        this.connections = connections;
        this.eventLoop = eventLoop;
        this.holdTimeoutNanos = holdTimeoutNanos;
        this.pins = pins;
    }

    /** A MULTI with nothing watched: its commands are kept from now on. */
    void begin() {
        queued.clear();
        bytes = 0;
        possible = true;
        redirectWhileQueuing = null;
        transactionSlot = -1;
    }

    /** The transaction ended (EXEC sent, DISCARD, RESET): nothing more to keep. */
    void end() {
        queued.clear();
        bytes = 0;
        possible = false;
        redirectWhileQueuing = null;
        transactionSlot = -1;
    }

    /** A command queued in the transaction, kept to run again. */
    void queued(RedisRequest request) {
        if (!possible) {
            return;
        }
        bytes += request.length();
        if (queued.size() >= MAX_COMMANDS || bytes > MAX_BYTES) {
            possible = false;
            queued.clear();
            return;
        }
        queued.add(request.args());
        if (transactionSlot < 0) {
            transactionSlot = routing.keySlot(request);
        }
    }

    /**
     * Whether the reply to a queued command that met {@code redirect} is answered QUEUED (the transaction moves):
     * when the transaction can run again and the redirection is about its own slot (a key of another slot is the
     * client's mistake, answered CROSSSLOT as Redis would) or says nothing of slots (TRYAGAIN, CLUSTERDOWN).
     */
    boolean absorb(String redirect) {
        if (!possible) {
            return false;
        }
        String[] words = redirect.split(" ");
        if ((words[0].equals("MOVED") || words[0].equals("ASK"))
                && (words.length != 3 || !words[1].equals(Integer.toString(transactionSlot)))) {
            return false;
        }
        if (redirectWhileQueuing == null) {
            redirectWhileQueuing = redirect;
        }
        return true;
    }

    /** A queued command met a redirection: EXEC must run the transaction elsewhere. */
    boolean moved() {
        return possible && redirectWhileQueuing != null;
    }

    /** Runs the transaction where the redirection a queued command met says, for the client's EXEC ({@code slot}). */
    void runMoved(ReplySlot slot, NothingWritten proof) {
        String redirect = redirectWhileQueuing;
        List<List<byte[]>> commands = List.copyOf(queued);
        end();
        run(commands, slot, proof, redirect, 0, System.nanoTime());
    }

    /** EXEC's reply on the transaction's node: a redirection runs it again elsewhere, anything else is the client's. */
    PendingReply execReply(ReplySlot slot, NodeAddress node, NothingWritten proof) {
        List<List<byte[]>> commands = possible ? List.copyOf(queued) : null;
        end();
        return new Exec(commands, slot, node, proof, 0, System.nanoTime());
    }

    /**
     * Runs the transaction again after {@code redirect}. MOVED and ASK count against the redirection limit; TRYAGAIN
     * and CLUSTERDOWN (a migration or a failover under way) only against the hold timeout.
     */
    private void run(
            List<List<byte[]>> commands,
            ReplySlot slot,
            NothingWritten proof,
            String redirect,
            int hops,
            long startedNanos) {
        boolean asking = redirect.startsWith("ASK ");
        boolean hop = asking || redirect.startsWith("MOVED ");
        NodeAddress target = hop ? Redirected.target(redirect) : null;
        routing.redirected(redirect);
        int hopsNow = hop ? hops + 1 : hops;
        if (hopsNow > ClusterRouting.MAX_REDIRECTS || System.nanoTime() - startedNanos > holdTimeoutNanos) {
            slot.complete(Replies.error(ProxyErrors.tooManyRedirects(hopsNow, redirect)));
            return;
        }
        if (target == null) {
            // TRYAGAIN or CLUSTERDOWN: on the slot's master, after as long again as it has waited (2 to 200 ms).
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            eventLoop.schedule(
                    () -> {
                        NodeAddress owner = ownerOf(commands);
                        if (owner == null) {
                            run(commands, slot, proof, redirect, hopsNow, startedNanos);
                        } else {
                            send(commands, slot, proof, owner, false, hopsNow, startedNanos);
                        }
                    },
                    Math.min(200, Math.max(2, waitedMillis)),
                    TimeUnit.MILLISECONDS);
            return;
        }
        send(commands, slot, proof, target, asking, hopsNow, startedNanos);
    }

    private void send(
            List<List<byte[]>> commands,
            ReplySlot slot,
            NothingWritten proof,
            NodeAddress node,
            boolean asking,
            int hops,
            long startedNanos) {
        BackendConnection pin = pins.repin(node);
        if (asking) {
            connections.sendOnOwn(
                    pin, RespWriter.request(ByteBufAllocator.DEFAULT, "ASKING"), new IgnoredReply(), null);
        }
        connections.sendOnOwn(pin, RespWriter.request(ByteBufAllocator.DEFAULT, "MULTI"), new IgnoredReply(), null);
        for (List<byte[]> command : commands) {
            // QUEUED, or a refusal that EXEC reports as EXECABORT: the client heard QUEUED already.
            connections.sendOnOwn(pin, RespWriter.request(ByteBufAllocator.DEFAULT, command), new IgnoredReply(), null);
        }
        connections.sendOnOwn(
                pin,
                RespWriter.request(ByteBufAllocator.DEFAULT, "EXEC"),
                new Exec(commands, slot, node, proof, hops, startedNanos),
                proof);
    }

    /** The master of the transaction's slot in the map now (its first command's), or null. */
    private NodeAddress ownerOf(List<List<byte[]>> commands) {
        if (commands.isEmpty()) {
            return null;
        }
        RedisRequest first = RespWriter.request(ByteBufAllocator.DEFAULT, commands.get(0));
        try {
            return routing.pinnedNode(first);
        } finally {
            first.release();
        }
    }

    /** The reply to EXEC: the client's, unless the node refused it with a redirection and the transaction can move. */
    private final class Exec extends PendingReply {
        private final List<List<byte[]>> commands;
        private final ReplySlot slot;
        private final PendingReply onNode;
        private final NothingWritten proof;
        private final int hops;
        private final long startedNanos;

        Exec(
                List<List<byte[]>> commands,
                ReplySlot slot,
                NodeAddress node,
                NothingWritten proof,
                int hops,
                long startedNanos) {
            this.commands = commands;
            this.slot = slot;
            this.onNode = routing.onOwnConnection(slot, node);
            this.proof = proof;
            this.hops = hops;
            this.startedNanos = startedNanos;
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            String redirect = commands == null ? null : Redirected.redirection(buffer, start, length);
            if (redirect == null) {
                return onNode.onFrame(buffer, start, length);
            }
            run(commands, slot, proof, redirect, hops, startedNanos);
            return true;
        }

        @Override
        public void lost(NodeAddress node, String reason) {
            onNode.lost(node, reason);
        }

        @Override
        public void refused(String errorLine) {
            onNode.refused(errorLine);
        }

        @Override
        public boolean timed() {
            return onNode.timed();
        }
    }
}
