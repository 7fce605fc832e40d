package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * The reply to one client request in subscribed mode, from the links it went to: their frames in the order they
 * arrive (confirmations and the messages among them), complete once every part has seen its marker. Most requests
 * have one part; an SUNSUBSCRIBE with no channel has one per node holding shard channels. Confined to the
 * client's event loop.
 */
final class SubscriptionReply {

    private final ReplySlot slot;
    private final Runnable beforeComplete;
    private int partsLeft;
    private CompositeByteBuf frames;
    private boolean done;

    /** {@code beforeComplete} runs just before the slot is filled (the client may leave subscribed mode). */
    SubscriptionReply(ReplySlot slot, int parts, Runnable beforeComplete) {
        this.slot = slot;
        this.partsLeft = parts;
        this.beforeComplete = beforeComplete;
    }

    boolean done() {
        return done;
    }

    /** A frame of the reply (ownership passes). */
    void add(ByteBuf frame) {
        if (done) {
            frame.release();
            return;
        }
        if (frames == null) {
            frames = ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
        }
        frames.addComponent(true, frame);
    }

    /** One part saw its marker. */
    void partDone() {
        if (done || --partsLeft > 0) {
            return;
        }
        done = true;
        ByteBuf reply = frames == null ? Unpooled.EMPTY_BUFFER : frames;
        frames = null;
        beforeComplete.run();
        slot.complete(reply);
    }

    /** A part's connection broke before its marker: the whole reply is lost. */
    void lost(NodeAddress node, String reason) {
        if (finishEarly()) {
            slot.completeLost(node, reason);
        }
    }

    /** A part was refused before it was sent. */
    void refused(String errorLine) {
        if (finishEarly()) {
            slot.refused(errorLine);
        }
    }

    private boolean finishEarly() {
        if (done) {
            return false;
        }
        done = true;
        if (frames != null) {
            frames.release();
            frames = null;
        }
        beforeComplete.run();
        return true;
    }
}
