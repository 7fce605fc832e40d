package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.Resp3Null;
import org.redisfailover.protocol.resp.RespVersion;

class TransactionStateTest {

    private final TransactionState state = new TransactionState();

    private static String text(RedisMessage message) {
        if (message instanceof ErrorRedisMessage error) {
            return "-" + error.content();
        }
        return "+" + ((SimpleStringRedisMessage) message).content();
    }

    /** Safe mode: only the EXEC of a transaction that queued a command that may write waits for the replicas. */
    @Test
    void knowsWhetherTheOpenTransactionQueuedAWrite() {
        state.onSent("multi", 1, false);
        state.onSent("get", 2, false);
        assertFalse(state.execOfWritingTransaction("exec", 1), "a transaction that only read");
        state.onSent("set", 3, true);
        state.onSent("multi", 1, false); // nested: refused, the queued SET still runs at EXEC
        assertTrue(state.execOfWritingTransaction("exec", 1));
        assertFalse(
                state.execOfWritingTransaction("exec", 2), "EXEC with arguments is refused, the transaction goes on");
        assertFalse(state.execOfWritingTransaction("discard", 1));
        state.onSent("exec", 1, false);
        assertFalse(state.execOfWritingTransaction("exec", 1), "no transaction open");
        state.onSent("multi", 1, false);
        assertFalse(state.execOfWritingTransaction("exec", 1), "a new transaction starts with nothing queued");
        state.onSent("incr", 2, true);
        state.onSent("discard", 1, false);
        state.onSent("multi", 1, false);
        assertFalse(state.execOfWritingTransaction("exec", 1), "DISCARD forgot the INCR");
    }

    @Test
    void followsRedisStateAsCommandsAreSent() {
        state.onSent("watch", 2, false);
        assertTrue(state.engaged());
        state.onSent("multi", 1, false);
        assertTrue(state.inMulti());
        state.onSent("multi", 1, false); // nested: Redis refuses it, the transaction stays open
        state.onSent("watch", 2, false); // inside MULTI: refused, changes nothing
        state.onSent("exec", 1, false);
        assertFalse(state.engaged(), "EXEC ends MULTI and unwatches");

        state.onSent("multi", 2, false); // wrong arity: Redis does not open a transaction
        assertFalse(state.engaged());
        state.onSent("watch", 2, false);
        state.onSent("unwatch", 1, false);
        assertFalse(state.engaged());
    }

    @Test
    void lostPinInsideMultiAbortsTheTransaction() {
        state.onSent("multi", 1, false);
        state.pinLost("the connection to the master was lost");
        assertTrue(state.doomed());
        assertEquals(
                "-ERR redis-failover: the transaction was aborted: the connection to the master was lost",
                text(state.answerDoomed("set", 3, RespVersion.RESP2)));
        assertEquals("-ERR MULTI calls can not be nested", text(state.answerDoomed("multi", 1, RespVersion.RESP2)));
        assertEquals("-ERR WATCH inside MULTI is not allowed", text(state.answerDoomed("watch", 2, RespVersion.RESP2)));
        assertEquals(
                "-EXECABORT Transaction discarded because of previous errors.",
                text(state.answerDoomed("exec", 1, RespVersion.RESP2)));
        assertFalse(state.engaged());
    }

    @Test
    void lostWatchMakesExecAnswerNullAndLetsOtherCommandsRun() {
        state.onSent("watch", 2, false);
        state.pinLost("gone");
        assertNull(state.answerDoomed("get", 2, RespVersion.RESP2), "a read between WATCH and MULTI runs as usual");
        assertEquals("-ERR EXEC without MULTI", text(state.answerDoomed("exec", 1, RespVersion.RESP2)));
        assertEquals("+OK", text(state.answerDoomed("multi", 1, RespVersion.RESP2)));
        assertEquals("+QUEUED", text(state.answerDoomed("set", 3, RespVersion.RESP2)));
        assertSame(ArrayRedisMessage.NULL_INSTANCE, state.answerDoomed("exec", 1, RespVersion.RESP2));
        assertFalse(state.engaged());
        state.onSent("watch", 2, false);
        state.pinLost("gone");
        state.answerDoomed("multi", 1, RespVersion.RESP3);
        assertSame(Resp3Null.INSTANCE, state.answerDoomed("exec", 1, RespVersion.RESP3), "RESP3 has its own null");
    }

    @Test
    void lostPinAfterTheTransactionEndedChangesNothing() {
        state.onSent("multi", 1, false);
        state.onSent("exec", 1, false);
        state.pinLost("gone");
        assertFalse(state.engaged());
        assertFalse(state.doomed());
    }

    @Test
    void unwatchAndDiscardEndADoomedWatch() {
        state.onSent("watch", 2, false);
        state.pinLost("gone");
        assertEquals("+OK", text(state.answerDoomed("unwatch", 1, RespVersion.RESP2)));
        assertFalse(state.engaged());
        state.onSent("watch", 2, false);
        state.pinLost("gone");
        state.answerDoomed("multi", 1, RespVersion.RESP2);
        assertEquals("+OK", text(state.answerDoomed("discard", 1, RespVersion.RESP2)));
        assertFalse(state.engaged());
    }
}
