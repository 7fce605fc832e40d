package org.redisfailover.proxy.client;

import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * A client's MULTI and WATCH state, followed as Redis keeps it on the client's pinned master connection,
 * so the proxy knows when the pin can be let go, and what to answer once the pin is lost.
 *
 * <p>Losing the pin (the master died, or was switched over) loses Redis' transaction with it. Redis'
 * own answers then tell the client the truth: inside MULTI the transaction is aborted, so EXEC answers
 * {@code EXECABORT} and nothing of it is applied; with only WATCH, the watched keys can no longer be
 * vouched for, so EXEC answers a null reply, exactly as Redis does when a watched key changed, and the
 * client retries as it would after any optimistic-locking conflict.
 */
final class TransactionState {

    private static final RedisMessage QUEUED = new SimpleStringRedisMessage("QUEUED");

    private enum Doom {
        NONE,
        WATCH_LOST,
        ABORTED
    }

    private boolean inMulti;
    private boolean watching;
    /** A command queued in the open MULTI may write: safe mode's EXEC then waits for the replicas. */
    private boolean queuedWrite;

    private Doom doom = Doom.NONE;
    private String abortReason;

    /** True while the client's requests must stay on its pinned connection (or be answered as doomed). */
    boolean engaged() {
        return inMulti || watching || doom != Doom.NONE;
    }

    boolean inMulti() {
        return inMulti;
    }

    boolean doomed() {
        return doom != Doom.NONE;
    }

    /**
     * Whether {@code name} with {@code argc} arguments, sent now, is the EXEC of the open transaction and that
     * transaction queued a command that may write (safe mode waits for the replicas before answering it).
     */
    boolean execOfWritingTransaction(String name, int argc) {
        return inMulti && queuedWrite && argc == 1 && name.equals("exec");
    }

    /**
     * Follows Redis' state for {@code name} (lower case) with {@code argc} arguments sent on the pin;
     * {@code mayWrite} is whether that command may write.
     */
    void onSent(String name, int argc, boolean mayWrite) {
        switch (name) {
            case "multi" -> {
                if (!inMulti && argc == 1) {
                    inMulti = true; // a nested MULTI is refused, and the transaction stays as it was
                    queuedWrite = false;
                }
            }
            case "exec", "discard" -> {
                if (inMulti && argc == 1) {
                    inMulti = false;
                    watching = false; // EXEC and DISCARD both unwatch every key
                    queuedWrite = false;
                }
            }
            case "watch" -> {
                if (!inMulti && argc >= 2) {
                    watching = true;
                }
            }
            case "unwatch" -> {
                if (!inMulti && argc == 1) {
                    watching = false;
                }
            }
            default -> {
                // every other command is queued inside MULTI, or runs normally while watching
                queuedWrite |= inMulti && mayWrite;
            }
        }
    }

    /** The pinned connection is gone, and Redis' MULTI and WATCH state with it. */
    void pinLost(String reason) {
        if (inMulti) {
            doom = Doom.ABORTED;
            abortReason = reason;
        } else if (watching) {
            doom = Doom.WATCH_LOST;
        }
    }

    /**
     * The proxy's answer, while doomed, to {@code name}: what Redis would answer in that state. Null means
     * the request runs normally (a command between a lost WATCH and MULTI, such as the GET that reads the
     * watched key).
     */
    RedisMessage answerDoomed(String name, int argc, RespVersion protocol) {
        boolean exact = argc == 1;
        switch (name) {
            case "exec" -> {
                if (!inMulti) {
                    return Replies.error("ERR EXEC without MULTI");
                }
                if (!exact) {
                    return Replies.wrongArity("exec");
                }
                Doom was = doom;
                clear();
                return was == Doom.ABORTED
                        ? Replies.error("EXECABORT Transaction discarded because of previous errors.")
                        : Replies.nullArray(protocol);
            }
            case "discard" -> {
                if (!inMulti) {
                    return Replies.error("ERR DISCARD without MULTI");
                }
                if (!exact) {
                    return Replies.wrongArity("discard");
                }
                clear();
                return Replies.OK;
            }
            case "multi" -> {
                if (inMulti) {
                    return Replies.error("ERR MULTI calls can not be nested");
                }
                if (!exact) {
                    return Replies.wrongArity("multi");
                }
                inMulti = true;
                return Replies.OK;
            }
            case "watch" -> {
                if (inMulti) {
                    return Replies.error("ERR WATCH inside MULTI is not allowed");
                }
                return argc >= 2 ? Replies.OK : Replies.wrongArity("watch");
            }
            case "unwatch" -> {
                if (inMulti) {
                    return QUEUED;
                }
                clear();
                return Replies.OK;
            }
            default -> {
                if (!inMulti) {
                    return null;
                }
                return doom == Doom.ABORTED ? Replies.error(ProxyErrors.transactionAborted(abortReason)) : QUEUED;
            }
        }
    }

    /** RESET, or the end of a doomed transaction. */
    void clear() {
        inMulti = false;
        watching = false;
        queuedWrite = false;
        doom = Doom.NONE;
        abortReason = null;
    }
}
