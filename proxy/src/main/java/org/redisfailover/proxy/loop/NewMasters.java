package org.redisfailover.proxy.loop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.BackendPool;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.topology.ScriptSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode, on the refresher's loop: a master new to the slot map (a node that joined and took slots, or a
 * replica promoted) gets the cluster's functions and the scripts clients loaded through the proxy, so that an
 * FCALL or EVALSHA routed there finds them.
 *
 * <ul>
 *   <li>Functions: {@code FUNCTION DUMP} on a master that served before, {@code FUNCTION RESTORE <dump> REPLACE}
 *       on the new one. A promoted replica has them already by replication; replacing libraries with the same
 *       ones changes nothing.
 *   <li>Scripts: {@code SCRIPT LOAD} of each one remembered ({@link ScriptSources}); Redis does not replicate
 *       its script cache. An EVALSHA that still meets NOSCRIPT is answered by loading the script then.
 * </ul>
 *
 * A copy that fails is tried again after the next read of the map. Confined to the loop.
 */
final class NewMasters {

    private static final Logger log = LoggerFactory.getLogger(NewMasters.class);

    private final BackendPool pool;
    private final ScriptSources scripts;
    /** The masters of the last map seen; null before the first. */
    private Set<NodeAddress> known;
    /** New masters not yet given the functions and scripts. */
    private final Set<NodeAddress> pending = new LinkedHashSet<>();

    private boolean copying;

    NewMasters(BackendPool pool, ScriptSources scripts) {
        this.pool = pool;
        this.scripts = scripts;
    }

    /** The map as read now: its masters not seen before get the copies. */
    void seen(SlotMap map) {
        List<NodeAddress> masters = map.masters();
        if (known != null) {
            for (NodeAddress master : masters) {
                if (!known.contains(master)) {
                    pending.add(master);
                }
            }
        }
        known = new LinkedHashSet<>(masters);
        pending.retainAll(known);
        copyNext();
    }

    private void copyNext() {
        if (copying || pending.isEmpty()) {
            return;
        }
        NodeAddress target = pending.iterator().next();
        NodeAddress source = null;
        for (NodeAddress master : known) {
            if (!pending.contains(master)) {
                source = master;
                break;
            }
        }
        if (source == null) {
            return; // every master is new: nothing to copy from
        }
        copying = true;
        NodeAddress from = source;
        BackendConnection dumpConnection = pool.control(from);
        send(dumpConnection, List.of(bytes("FUNCTION"), bytes("DUMP")), new Replies(1, replies -> {
            dumpConnection.close();
            byte[] dump = replies.get(0);
            if (dump == null) {
                done(target, "FUNCTION DUMP on " + from + " failed");
                return;
            }
            restore(target, dump);
        }));
    }

    private void restore(NodeAddress target, byte[] dump) {
        List<List<byte[]>> requests = new ArrayList<>();
        requests.add(List.of(bytes("FUNCTION"), bytes("RESTORE"), dump, bytes("REPLACE")));
        for (byte[] script : scripts.all()) {
            requests.add(List.of(bytes("SCRIPT"), bytes("LOAD"), script));
        }
        BackendConnection connection = pool.control(target);
        Replies replies = new Replies(requests.size(), answers -> {
            connection.close();
            long failed = answers.stream().filter(answer -> answer == null).count();
            if (failed > 0) {
                done(target, failed + " of " + answers.size() + " copies failed");
                return;
            }
            pending.remove(target);
            log.info(
                    "cluster: new master {} given the functions and {} scripts loaded through the proxy",
                    target,
                    answers.size() - 1);
            done(target, null);
        });
        for (List<byte[]> request : requests) {
            send(connection, request, replies);
        }
    }

    private void done(NodeAddress target, String failure) {
        copying = false;
        if (failure != null) {
            log.warn(
                    "cluster: could not give new master {} the functions and scripts ({}); trying again",
                    target,
                    failure);
            return; // tried again after the next read of the map
        }
        copyNext();
    }

    private static void send(BackendConnection connection, List<byte[]> args, Replies replies) {
        connection.send(RespWriter.request(ByteBufAllocator.DEFAULT, args), replies.next(), null);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The replies to a pipeline of requests: each a bulk string's bytes, an empty array for any other success, null for a failure. */
    private static final class Replies {
        private final List<byte[]> answers = new ArrayList<>();
        private final int expected;
        private final java.util.function.Consumer<List<byte[]>> then;

        Replies(int expected, java.util.function.Consumer<List<byte[]>> then) {
            this.expected = expected;
            this.then = then;
        }

        PendingReply next() {
            return new PendingReply() {
                @Override
                public boolean onFrame(ByteBuf buffer, int start, int length) {
                    add(answer(buffer, start, length));
                    return true;
                }

                @Override
                public void lost(NodeAddress node, String reason) {
                    add(null);
                }

                @Override
                public void refused(String errorLine) {
                    add(null);
                }
            };
        }

        private void add(byte[] answer) {
            answers.add(answer);
            if (answers.size() == expected) {
                then.accept(answers);
            }
        }

        private static byte[] answer(ByteBuf buffer, int start, int length) {
            byte type = buffer.getByte(start);
            if (type == '-') {
                return null;
            }
            if (type != '$') {
                return new byte[0];
            }
            int crlf = buffer.indexOf(start, start + length, (byte) '\r');
            int size = Integer.parseInt(buffer.toString(start + 1, crlf - start - 1, StandardCharsets.US_ASCII));
            byte[] bytes = new byte[Math.max(size, 0)];
            buffer.getBytes(crlf + 2, bytes);
            return bytes;
        }
    }
}
