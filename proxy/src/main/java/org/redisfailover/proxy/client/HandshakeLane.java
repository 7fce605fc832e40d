package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.Credentials;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.ProxyShared;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AUTH, CLIENT TRACKING and HELLO: commands that change how the client's later requests log in to Redis,
 * so they run only once every earlier reply is in. AUTH and CLIENT TRACKING are checked by Redis itself,
 * on a connection of the client's own to the master; until the answer the client's later requests wait
 * (they must run as whichever user it leaves the client with). The client is on the shared lane after.
 */
final class HandshakeLane implements Lane {

    private static final Logger log = LoggerFactory.getLogger(HandshakeLane.class);

    private final LaneContext lanes;
    private final Routing routing;
    private final ClientConnections connections;
    private final OwnConnections own;
    private final AuthGate gate;
    private final ClientModes modes;
    private final ProxyShared shared;
    private final ClientState state;
    private final ReplyOrderer replies;
    private final EventLoop eventLoop;
    /** Routes compared by identity: the classifier hands out one instance per command. */
    private final Route auth;

    private final Route clientTracking;
    private final Route noTouch;
    private final Route noEvict;
    private final Route hello;
    /** The HELLO AUTH Redis is checking (its SETNAME applies once the login is accepted), or null. */
    private HelloRequest nameOnLogin;

    HandshakeLane(
            LaneContext lanes,
            Routing routing,
            ClientConnections connections,
            OwnConnections own,
            AuthGate gate,
            ClientModes modes,
            ProxyShared shared,
            ClientState state,
            ReplyOrderer replies,
            EventLoop eventLoop) {
        this.lanes = lanes;
        this.routing = routing;
        this.connections = connections;
        this.own = own;
        this.gate = gate;
        this.modes = modes;
        this.shared = shared;
        this.state = state;
        this.replies = replies;
        this.eventLoop = eventLoop;
        this.auth = shared.classifier().classifyName("auth");
        this.clientTracking = shared.classifier().classifyName("client|tracking");
        this.noTouch = shared.classifier().classifyName("client|no-touch");
        this.noEvict = shared.classifier().classifyName("client|no-evict");
        this.hello = shared.classifier().classifyName("hello");
    }

    /** Whether {@code route} is one of the handshake's commands (when the client is free to run it on the shared lane). */
    boolean takes(Route route) {
        return route == auth || route == clientTracking || route == hello || route == noTouch || route == noEvict;
    }

    @Override
    public boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding) {
        if (route == hello) {
            // A protocol switch replaces the client's own connections: nothing may be in flight on them.
            return outstanding == 0 || (!laneChanges && own.isEmpty());
        }
        return outstanding == 0; // every request after AUTH or CLIENT TRACKING runs on other connections
    }

    @Override
    public void run(RedisRequest request, Route route) {
        if (route == auth) {
            authenticate(request);
        } else if (route == clientTracking) {
            track(request);
        } else if (route == noTouch || route == noEvict) {
            connectionMode(request, route);
        } else if (route == hello && gate.redisChecksHelloAuth(request)) {
            helloWithLogin(request);
        } else {
            lanes.runShared(request, route);
        }
    }

    /**
     * HELLO protover AUTH user pass, for a user Redis checks (client libraries send it on connect in RESP3): the
     * login and the protocol switch go to Redis together on a new connection of the client's own, and the client
     * gets Redis' reply; on success it runs as that user, in that protocol, on connections of its own. SETNAME
     * names the client's connection to the proxy, as a HELLO without AUTH does.
     */
    private void helloWithLogin(RedisRequest request) {
        HelloRequest hello = HelloRequest.parse(request, own.protocol());
        String refusal = hello.error() != null ? hello.error() : modes.protocolSwitchRefusal(hello.protocol());
        request.release();
        if (refusal != null) {
            replies.replyLocal(Replies.error(refusal));
            return;
        }
        Credentials login = hello.auth();
        nameOnLogin = hello;
        check(
                RespWriter.request(
                        ByteBufAllocator.DEFAULT,
                        "HELLO",
                        Integer.toString(hello.protocol().number()),
                        "AUTH",
                        login.user(),
                        login.password()),
                this.hello,
                own.handshake().withCredentials(login).withProtocol(hello.protocol()),
                null);
    }

    /** AUTH [user] password: Redis checks it, on a new connection to the master. */
    private void authenticate(RedisRequest request) {
        Credentials offered =
                switch (request.argc()) {
                    case 2 -> new Credentials(null, request.argAsString(1));
                    case 3 -> new Credentials(request.argAsString(1), request.argAsString(2));
                    default -> null; // Redis answers the syntax error
                };
        check(request, auth, offered == null ? null : own.handshake().withCredentials(offered), null);
    }

    /**
     * CLIENT TRACKING: Redis sends invalidations to the connection that read the keys, so a tracking client
     * runs on a master connection of its own, with tracking on; its reads go to the master. Each accepted
     * ON command is replayed when that connection is opened again (after a failover). Redis cannot send
     * invalidations to another connection of the proxy's (REDIRECT), nor push them in RESP2.
     */
    private void track(RedisRequest request) {
        String refusal = TrackingCommand.refusal(request, own.protocol());
        if (refusal != null) {
            request.release();
            replies.replyLocal(Replies.error(refusal));
            return;
        }
        Handshake next = TrackingCommand.next(own.handshake(), request);
        NodeAddress master = routing.pinnedNode(request);
        BackendConnection current = own.tracking() && master != null ? connections.ownTo(master) : null;
        check(request, clientTracking, next, current);
    }

    /**
     * CLIENT NO-TOUCH or NO-EVICT: a mode of the client's connection. Redis checks it on the client's own master
     * connection (a new one unless it has one); once accepted, the client's connections of its own are opened with it.
     */
    private void connectionMode(RedisRequest request, Route route) {
        Handshake next = ConnectionModeCommand.next(own.handshake(), request);
        NodeAddress master = routing.pinnedNode(request);
        BackendConnection current = own.inUse() && master != null ? connections.ownTo(master) : null;
        check(request, route, next, current);
    }

    /**
     * Sends a state-changing request to the master, on {@code on} (the client's own connection, whose state
     * it changes) or on a fresh connection; on +OK the client adopts {@code next}.
     */
    private void check(RedisRequest request, Route route, Handshake next, BackendConnection on) {
        NodeAddress master = routing.pinnedNode(request);
        ReplySlot slot = lanes.forwardedSlot(route, true);
        if (master == null) {
            request.release(); // its name is the route's: the request's bytes are gone from here on
            slot.complete(Replies.error(ProxyErrors.noMasterToRun(route.displayName())));
            return;
        }
        BackendConnection connection =
                on != null ? on : connections.borrow(master, BackendConnection.Purpose.CLIENT, own.handshake());
        lanes.holdBack();
        HandshakeAttempt attempt = new HandshakeAttempt(this, slot, next, connection, nameOnLogin != null);
        long delayMillis = gate.loginDelayMillis();
        if (delayMillis == 0) {
            connections.send(connection, request, attempt);
            return;
        }
        // A client that is not in, from an address that failed logins: Redis checks this one only after the wait.
        eventLoop.schedule(() -> connections.send(connection, request, attempt), delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Redis answered an AUTH, HELLO AUTH or CLIENT TRACKING: {@code accepted} is the client's handshake from now on, or null. */
    void checked(Handshake accepted, BackendConnection connection) {
        HelloRequest hello = nameOnLogin;
        nameOnLogin = null;
        if (accepted != null) {
            if (hello != null && hello.setName()) {
                state.name(hello.name());
            }
            own.adopt(accepted, connection, shared.config().databases());
            gate.acceptedByRedis();
            log.debug("client {} now runs with {}", state.remoteAddress(), accepted);
        } else {
            if (!gate.authenticated()) {
                gate.refusedByRedis();
            }
            if (connection.purpose() == BackendConnection.Purpose.CLIENT && !own.owns(connection)) {
                connection.close();
            }
        }
        lanes.stopHoldingBack();
    }
}
