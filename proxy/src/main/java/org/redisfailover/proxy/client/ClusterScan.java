package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespElements;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * SCAN over a cluster: the masters one after the other, in the order of the lowest slot each serves, with the
 * client's cursor saying where the scan is: from the low bits up, that master's lowest slot (14 bits), a
 * fingerprint of the master (16 bits), and the master's own cursor. The cursor names a shard by its slot, so when
 * the shard fails over the scan goes on in that shard; the promoted replica hashes its keys with a seed of its own,
 * so a node cursor means nothing there, and the fingerprint, which no longer matches, makes that shard's part
 * start over: keys may come twice (as SCAN allows), but a key present for the whole scan is never missed. A
 * resharding during a scan can move a key from a master not scanned yet to one already scanned; that key is then
 * missed (docs/CLUSTER.md).
 */
final class ClusterScan extends PendingReply {

    private static final int SLOT_BITS = 14;
    private static final int FINGERPRINT_BITS = 16;
    private static final int NODE_SHIFT = SLOT_BITS + FINGERPRINT_BITS;
    /** A node cursor beyond this would not fit beside a slot and a fingerprint in a 63-bit cursor. */
    private static final long MAX_NODE_CURSOR = Long.MAX_VALUE >>> NODE_SHIFT;

    private final ClusterRouting routing;
    private final ReplySlot slot;
    private final SlotMap map;
    private final int firstSlot;
    /** The master the scan's page comes from. */
    private final NodeAddress node;
    /** The client's request as it came, to run again when the node is lost before it answers. */
    private final List<byte[]> clientArgs;

    private final Route route;
    private final ByteBufAllocator alloc;

    private ClusterScan(
            ClusterRouting routing,
            ReplySlot slot,
            SlotMap map,
            int firstSlot,
            NodeAddress node,
            List<byte[]> clientArgs,
            Route route,
            ByteBufAllocator alloc) {
        this.route = route;
        this.routing = routing;
        this.slot = slot;
        this.map = map;
        this.firstSlot = firstSlot;
        this.node = node;
        this.clientArgs = clientArgs;
        this.alloc = alloc;
    }

    /** Runs SCAN {@code request} (ownership passes) on the master its cursor names. */
    static void run(
            ClusterRouting routing,
            RedisRequest request,
            Route route,
            ReplySlot slot,
            SlotMap map,
            ByteBufAllocator alloc) {
        long cursor = request.argc() >= 2 ? parseUnsigned(request.argAsString(1)) : -1;
        List<byte[]> clientArgs = request.args();
        request.release();
        if (cursor < 0) {
            slot.complete(Replies.error("ERR invalid cursor"));
            return;
        }
        run(routing, clientArgs, route, cursor, slot, map, alloc);
    }

    private static void run(
            ClusterRouting routing,
            List<byte[]> clientArgs,
            Route route,
            long cursor,
            ReplySlot slot,
            SlotMap map,
            ByteBufAllocator alloc) {
        int firstSlot = (int) (cursor & (HashSlots.COUNT - 1));
        long nodeCursor = cursor >>> NODE_SHIFT;
        NodeAddress master = map.master(firstSlot);
        if (master != null && fingerprint(master) != (int) ((cursor >>> SLOT_BITS) & 0xffff)) {
            nodeCursor = 0; // another node serves the shard now: its cursors are its own
        }
        if (cursor == 0) {
            firstSlot = map.nextFirstSlot(0);
            master = firstSlot < 0 ? null : map.master(firstSlot);
        }
        if (master == null) {
            String why = "no master serves slot " + firstSlot + " of the cluster";
            if (!routing.again(slot, now -> run(routing, clientArgs, route, cursor, slot, now, alloc))) {
                slot.complete(Replies.error(ProxyErrors.noMaster(why, 0)));
            }
            return;
        }
        List<byte[]> args = new ArrayList<>(clientArgs);
        args.set(1, Long.toUnsignedString(nodeCursor).getBytes(StandardCharsets.US_ASCII));
        routing.sendTo(
                master,
                RespWriter.request(alloc, args),
                new ClusterScan(routing, slot, map, firstSlot, master, clientArgs, route, alloc),
                route,
                slot);
    }

    /** 16 bits that tell one node from another, in a cursor. */
    private static int fingerprint(NodeAddress node) {
        return (node.hashCode() ^ (node.hashCode() >>> 16)) & 0xffff;
    }

    private static long parseUnsigned(String text) {
        try {
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        byte[] frame = new byte[length];
        buffer.getBytes(start, frame);
        if (!RespElements.isSequence(frame) || RespElements.count(frame) != 2) {
            slot.complete(buffer, start, length); // an error: the node's own
            return true;
        }
        int at = RespElements.firstElement(frame);
        int cursorEnd = RespElements.end(frame, at);
        String nodeCursorText = new String(frame, at, cursorEnd - at, StandardCharsets.US_ASCII).split("\r\n")[1];
        long nodeCursor = Long.parseUnsignedLong(nodeCursorText);
        long next;
        if (nodeCursor != 0) {
            if (Long.compareUnsigned(nodeCursor, MAX_NODE_CURSOR) > 0) {
                slot.complete(Replies.error(ProxyErrors.scanCursorTooLarge(nodeCursorText)));
                return true;
            }
            next = (nodeCursor << NODE_SHIFT) | ((long) fingerprint(node) << SLOT_BITS) | firstSlot;
        } else {
            int nextSlot = map.nextFirstSlot(firstSlot + 1);
            next = nextSlot < 0 ? 0 : nextSlot;
        }
        byte[] cursor = Long.toString(next).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*2\r\n$" + cursor.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(cursor);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(frame, cursorEnd, frame.length - cursorEnd);
        byte[] reply = out.toByteArray();
        ByteBuf merged = Unpooled.wrappedBuffer(reply);
        slot.complete(merged, 0, reply.length);
        merged.release();
        return true;
    }

    /** SCAN changes nothing: lost with its node (a shard failing over), it runs again, on that shard's new master. */
    @Override
    public void lost(NodeAddress node, String reason) {
        if (!again()) {
            slot.lost(node, reason);
        }
    }

    @Override
    public void refused(String errorLine) {
        slot.refused(errorLine);
    }

    @Override
    public void unsent(RedisRequest request, String errorLine) {
        request.release();
        if (!again()) {
            slot.refused(errorLine);
        }
    }

    private boolean again() {
        long cursor = parseUnsigned(new String(clientArgs.get(1), StandardCharsets.US_ASCII));
        return routing.again(slot, now -> run(routing, clientArgs, route, cursor, slot, now, alloc));
    }
}
