package org.redisfailover.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.redisfailover.protocol.resp.InfoText;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;

/**
 * What a new backend connection sends before any client request, and the check of each answer: AUTH,
 * HELLO for RESP3, SELECT, the client's CLIENT TRACKING commands and its CLIENT NO-TOUCH and NO-EVICT, and last INFO server when the topology
 * names the master process (its run id), so that a master that restarted without its data gets nothing.
 */
final class HandshakeExchange {

    private final String expectedRunId;
    private int repliesExpected;
    /** Whether the first reply answers the PING that asks whether the group needs a password. */
    private boolean probing;
    /** What that PING found: null while not asked or not answered yet. */
    private Boolean passwordRequired;
    /** The BUSY error that refused the handshake (a script keeps the node busy), or null. */
    private String busyLine;

    /**
     * Writes (without flushing) the handshake of a connection logging in as {@code login} (null: none) with
     * {@code handshake}'s protocol and tracking, to database {@code db}, expecting {@code expectedRunId} (null:
     * no check). {@code probeAccess}: without a login, start with a PING whose NOAUTH (accepted) or PONG says
     * whether the group asks for a password ({@link GroupAccess}). {@code clusterReadOnly}: a node of a cluster,
     * told READONLY so that a replica serves the reads the read policy sends it.
     */
    HandshakeExchange(
            Channel channel,
            Handshake handshake,
            Credentials login,
            int db,
            String expectedRunId,
            boolean probeAccess,
            boolean clusterReadOnly) {
        this.expectedRunId = expectedRunId;
        if (login == null && probeAccess) {
            write(channel, RespWriter.request(channel.alloc(), "PING"));
            probing = true;
        }
        if (login != null) {
            write(
                    channel,
                    login.user() == null
                            ? RespWriter.request(channel.alloc(), "AUTH", login.password())
                            : RespWriter.request(channel.alloc(), "AUTH", login.user(), login.password()));
        }
        if (handshake.protocol() != RespVersion.RESP2) {
            write(
                    channel,
                    RespWriter.request(
                            channel.alloc(),
                            "HELLO",
                            Integer.toString(handshake.protocol().number())));
        }
        if (db != 0) {
            write(channel, RespWriter.request(channel.alloc(), "SELECT", Integer.toString(db)));
        }
        if (clusterReadOnly) {
            // A cluster replica serves reads only on a READONLY connection; a master ignores it.
            write(channel, RespWriter.request(channel.alloc(), "READONLY"));
        }
        if (handshake.tracking() != null) {
            for (List<byte[]> command : handshake.tracking()) {
                write(channel, RespWriter.request(channel.alloc(), command));
            }
        }
        if (handshake.modes() != null) {
            for (List<byte[]> command : handshake.modes()) {
                write(channel, RespWriter.request(channel.alloc(), command));
            }
        }
        if (expectedRunId != null) {
            // Last, so that its reply is the last of the handshake.
            write(channel, RespWriter.request(channel.alloc(), "INFO", "server"));
        }
    }

    private void write(Channel channel, RedisRequest request) {
        channel.write(request.buffer().retainedSlice(request.start(), request.length()));
        request.release();
        repliesExpected++;
    }

    /** What the access PING found (null: not asked). */
    Boolean passwordRequired() {
        return passwordRequired;
    }

    /** The BUSY error line (without '-') that refused the handshake, or null when it was not refused so. */
    String busyLine() {
        return busyLine;
    }

    /** True once every answer is in and accepted: client requests may go out. */
    boolean done() {
        return repliesExpected == 0;
    }

    /** One answer of the handshake; returns why the connection must not be used, or null when it was accepted. */
    String check(ByteBuf buffer, int start, int length) {
        byte type = buffer.getByte(start);
        if (probing) {
            probing = false;
            String answer = buffer.toString(start, length, StandardCharsets.UTF_8);
            passwordRequired = type == '-' && answer.startsWith("-NOAUTH");
            // Redis checks the login before whether a script keeps it busy: BUSY means no password was asked.
            if (passwordRequired || type == '+' || answer.startsWith("-BUSY")) {
                repliesExpected--;
                return null; // NOAUTH is an answer here, not a refusal: the client's own AUTH goes elsewhere
            }
        }
        if (type == '-' || type == '!') {
            String error =
                    buffer.toString(start, length, StandardCharsets.UTF_8).strip();
            if (error.startsWith("-BUSY")) {
                busyLine = error.substring(1);
            }
            return "handshake refused: " + error;
        }
        if (repliesExpected == 1 && expectedRunId != null) {
            String runId = InfoText.fields(buffer.toString(start, length, StandardCharsets.US_ASCII))
                    .get("run_id");
            if (!expectedRunId.equals(runId)) {
                return "not the master process the topology names (run id " + runId + ", expected " + expectedRunId
                        + "): it restarted; writes wait for the monitors";
            }
        }
        repliesExpected--;
        return null;
    }
}
