package org.redisfailover.proxy.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.apache.curator.utils.ThreadUtils;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.proxy.metrics.PrometheusText;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.TopologyHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint, for load balancers, orchestrators and people paged at night:
 *
 * <ul>
 *   <li>{@code /health}: 200 while the process serves (liveness);</li>
 *   <li>{@code /ready}: 200 while the proxy has a master to write to (a confirmed topology, not
 *       fenced) and is not shutting down, else 503 with the reason: take it out of a load balancer then;</li>
 *   <li>{@code /topology}: what the proxy routes by, and with ZooKeeper the same data as
 *       {@code redis-failover status --json};</li>
 *   <li>{@code /events}: the recent failovers and switchovers;</li>
 *   <li>{@code /metrics}: every metric, in Prometheus' text format;</li>
 *   <li>{@code POST /reload}: re-reads the configuration file (as SIGHUP does); 200 with the keys that
 *       changed, or 400 naming the key that is wrong, and the running configuration stays.</li>
 * </ul>
 *
 * Who may use which path is {@link AdminAccess}'s: {@code /health} and {@code /ready} are open, the rest
 * needs the bearer token when one is set.
 *
 * <p>The JDK's own HTTP server, on threads of its own: nothing here touches the event loops, and an
 * admin request that waits on ZooKeeper or Redis never delays a client's. Several threads, so that a
 * {@code /topology} stuck on an unreachable ZooKeeper cannot hold up the {@code /ready} a load balancer
 * is asking.
 */
public final class AdminServer implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int THREADS = 4;

    /** What the proxy can tell about its replication group beyond its own topology (ZooKeeper's view). */
    public interface GroupView {
        /** The {@code status --json} document. */
        ObjectNode status() throws Exception;

        /** The recent failovers and switchovers, oldest first, as a JSON array. */
        Object events() throws Exception;
    }

    /** Re-reads the configuration and puts what may change at run time in force. */
    public interface Reloader {
        /** The keys whose values changed; throws IllegalArgumentException, naming the key, for a configuration refused. */
        List<String> reload();
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code address} and serves; {@code group} is null when the proxy has a fixed topology. */
    public static AdminServer start(NodeAddress address, TopologyHolder topology, ProxyMetrics metrics, GroupView group)
            throws IOException {
        return start(address, topology, metrics, group, null);
    }

    /** As {@link #start(NodeAddress, TopologyHolder, ProxyMetrics, GroupView)}, with {@code POST /reload} when {@code reloader} is not null. */
    public static AdminServer start(
            NodeAddress address, TopologyHolder topology, ProxyMetrics metrics, GroupView group, Reloader reloader)
            throws IOException {
        return start(address, topology, metrics, group, reloader, AdminAccess.withoutToken());
    }

    /** As above, with {@code access} deciding who may use which path ({@link AdminAccess}). */
    public static AdminServer start(
            NodeAddress address,
            TopologyHolder topology,
            ProxyMetrics metrics,
            GroupView group,
            Reloader reloader,
            AdminAccess access)
            throws IOException {
        return start(address, topology, metrics, group, reloader, access, null);
    }

    /** As above, serving HTTPS with {@code tls} when it is not null. */
    public static AdminServer start(
            NodeAddress address,
            TopologyHolder topology,
            ProxyMetrics metrics,
            GroupView group,
            Reloader reloader,
            AdminAccess access,
            SSLContext tls)
            throws IOException {
        return start(address, topology, metrics, group, reloader, access, tls, topology::notWritableReason);
    }

    /**
     * As above, {@code /ready} answering by {@code notReadyReason} (why a load balancer should send no new
     * clients, or null): the proxy's own, which also covers a graceful stop.
     */
    public static AdminServer start(
            NodeAddress address,
            TopologyHolder topology,
            ProxyMetrics metrics,
            GroupView group,
            Reloader reloader,
            AdminAccess access,
            SSLContext tls,
            Supplier<String> notReadyReason)
            throws IOException {
        InetSocketAddress bind = new InetSocketAddress(address.host(), address.port());
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(bind, 16);
        } else {
            HttpsServer https = HttpsServer.create(bind, 16);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        ExecutorService executor =
                Executors.newFixedThreadPool(THREADS, ThreadUtils.newThreadFactory("redis-failover-admin"));
        server.setExecutor(executor);
        serve(server, access, address.host(), "/health", exchange -> respond(exchange, 200, "{\"live\":true}"));
        serve(server, access, address.host(), "/ready", exchange -> {
            String notReady = notReadyReason.get();
            ObjectNode body = MAPPER.createObjectNode()
                    .put("ready", notReady == null)
                    .put("epoch", topology.current().epoch());
            if (notReady != null) {
                body.put("reason", notReady);
            }
            respond(exchange, notReady == null ? 200 : 503, body.toString());
        });
        serve(
                server,
                access,
                address.host(),
                "/topology",
                exchange -> respondJson(exchange, () -> {
                    ObjectNode body = MAPPER.createObjectNode();
                    // Epoch 0: nothing read from ZooKeeper yet.
                    body.set("routing", MAPPER.readTree(TopologyJson.encode(topology.current())));
                    body.put("fenced", topology.isFenced());
                    if (group != null) {
                        body.set("group", group.status());
                    }
                    return body;
                }));
        serve(
                server,
                access,
                address.host(),
                "/events",
                exchange -> respondJson(
                        exchange, () -> group == null ? MAPPER.createArrayNode() : MAPPER.valueToTree(group.events())));
        PrometheusText exposition = new PrometheusText(metrics);
        serve(server, access, address.host(), "/metrics", exchange -> {
            StringWriter text = new StringWriter();
            exposition.write(text);
            respond(exchange, 200, PrometheusText.CONTENT_TYPE, text.toString());
        });
        serve(server, access, address.host(), "/reload", exchange -> {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                respond(
                        exchange,
                        405,
                        MAPPER.createObjectNode()
                                .put("error", "use POST to reload")
                                .toString());
            } else if (reloader == null) {
                respond(
                        exchange,
                        404,
                        MAPPER.createObjectNode()
                                .put("error", "no configuration to reload")
                                .toString());
            } else {
                try {
                    ObjectNode body = MAPPER.createObjectNode().put("reloaded", true);
                    reloader.reload().forEach(body.putArray("changed")::add);
                    respond(exchange, 200, body.toString());
                } catch (IllegalArgumentException refused) {
                    respond(
                            exchange,
                            400,
                            MAPPER.createObjectNode()
                                    .put("reloaded", false)
                                    .put("error", refused.getMessage())
                                    .toString());
                }
            }
        });
        server.start();
        log.info(
                "admin endpoint on http://{}:{}/ (health, ready, topology, events, metrics{}); {}",
                address.host(),
                server.getAddress().getPort(),
                reloader == null ? "" : ", POST reload",
                access.requiresToken()
                        ? "every path but health and ready needs the bearer token"
                        : "no token: topology, events and reload are served on a loopback address only");
        return new AdminServer(server, executor);
    }

    /** Serves {@code path} behind the guard {@code access} gives it (none for open paths). */
    private static void serve(HttpServer server, AdminAccess access, String host, String path, HttpHandler handler) {
        HttpContext context = server.createContext(path, handler);
        Authenticator guard = access.guard(path, host);
        if (guard != null) {
            context.setAuthenticator(guard);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private interface JsonBody {
        Object get() throws Exception;
    }

    private static void respondJson(HttpExchange exchange, JsonBody body) throws IOException {
        try {
            respond(exchange, 200, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(body.get()));
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            respond(
                    exchange,
                    503,
                    MAPPER.createObjectNode()
                            .put("error", String.valueOf(e.getMessage()))
                            .toString());
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        respond(exchange, status, "application/json", json + "\n");
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
