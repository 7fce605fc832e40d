package org.redisfailover.protocol.command;

import io.netty.buffer.ByteBuf;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.redisfailover.protocol.resp.RedisRequest;

/**
 * Decides where a request may run. A pure function of the request: every route is computed once, up
 * front, from Redis' own command flags and the reviewed policy; per request only a map lookup (and, for
 * containers and XREAD, a look at the arguments) remains.
 *
 * <p>Rules, first match wins:
 * <ol>
 *   <li>the policy file ({@code name} or {@code container|sub});</li>
 *   <li>unknown command: {@link RoutingClass#MASTER} (never guess "read");</li>
 *   <li>{@code @transaction}: {@link RoutingClass#PIN_TRANSACTION};</li>
 *   <li>{@code pubsub} flag on a (un)subscribe command: {@link RoutingClass#PIN_PUBSUB};</li>
 *   <li>{@code blocking} flag: {@link RoutingClass#PIN_BLOCKING} (XREAD and XREADGROUP only with
 *       a {@code BLOCK} argument);</li>
 *   <li>{@code write} or {@code may_replicate}: {@link RoutingClass#MASTER};</li>
 *   <li>{@code readonly}: {@link RoutingClass#READ};</li>
 *   <li>anything else (INFO, TIME, EVAL, FCALL, ...): {@link RoutingClass#MASTER}.</li>
 * </ol>
 * Scripts and functions may write unless read-only: EVAL_RO, FCALL_RO, and an EVAL whose script declares
 * {@code flags=no-writes} in its shebang (FCALL's function flags live on the server: FCALL may write).
 */
public final class CommandClassifier {

    /** Commands whose {@code blocking} flag applies only when a BLOCK argument is present. */
    private static final Set<String> BLOCKING_WITH_BLOCK_ARGUMENT = Set.of("xread", "xreadgroup");

    private final Map<String, Entry> entries = new HashMap<>();
    private final NameTable<Entry> lookup;

    /** The command whose first argument is a script that may declare, in its shebang, that it does not write. */
    private static final String SCRIPT_WITH_FLAGS = "eval";

    /**
     * @param noWritesRoute for EVAL, its route when the script declares {@code no-writes}: the same place, but
     *                      nothing to count as a write (safe mode waits for no replica; read-your-writes follows nothing)
     */
    private record Entry(
            Route route,
            Route blockingRoute,
            Map<String, Route> subcommands,
            NameTable<Route> subcommandLookup,
            Route noWritesRoute) {
        Entry(Route route, Route blockingRoute, Map<String, Route> subcommands, Route noWritesRoute) {
            this(route, blockingRoute, subcommands, new NameTable<>(subcommands), noWritesRoute);
        }
    }

    public CommandClassifier(CommandTable table, CommandPolicy policy) {
        for (CommandSpec spec : table.commands().values()) {
            Map<String, Route> subcommands = new HashMap<>();
            spec.subcommands().forEach((sub, subSpec) -> subcommands.put(sub, route(subSpec, policy, false)));
            boolean argumentBlocking = BLOCKING_WITH_BLOCK_ARGUMENT.contains(spec.name());
            Route route = route(spec, policy, argumentBlocking);
            Route blockingRoute = argumentBlocking ? route(spec, policy, false) : null;
            Route noWritesRoute = spec.name().equals(SCRIPT_WITH_FLAGS)
                    ? new Route(route.routingClass(), route.displayName(), route.reason(), false, false)
                    : null;
            entries.put(spec.name(), new Entry(route, blockingRoute, Map.copyOf(subcommands), noWritesRoute));
        }
        // Policy entries for commands this Redis version does not have (newer or renamed ones) still apply.
        policy.decisions().forEach((name, decision) -> {
            if (!name.contains("|") && !entries.containsKey(name)) {
                entries.put(
                        name,
                        new Entry(
                                new Route(decision.routingClass(), displayName(name), decision.reason(), true, false),
                                null,
                                Map.of(),
                                null));
            }
        });
        lookup = new NameTable<>(entries);
    }

    /** Built from the resources checked in with this build. */
    public static CommandClassifier standard() {
        return new CommandClassifier(CommandTable.load(), CommandPolicy.load());
    }

    /** The route for {@code request}. */
    public Route classify(RedisRequest request) {
        ByteBuf bytes = request.buffer();
        Entry entry = lookup.get(bytes, request.argIndex(0), request.argLength(0));
        if (entry == null) {
            return unknown(request.name());
        }
        if (!entry.subcommands.isEmpty() && request.argc() >= 2) {
            Route sub = entry.subcommandLookup.get(bytes, request.argIndex(1), request.argLength(1));
            return sub != null ? sub : entry.route;
        }
        if (entry.blockingRoute != null && hasBlockArgument(request)) {
            return entry.blockingRoute;
        }
        if (entry.noWritesRoute != null
                && request.argc() >= 2
                && ScriptFlags.declaresNoWrites(bytes, request.argIndex(1), request.argLength(1))) {
            return entry.noWritesRoute;
        }
        return entry.route;
    }

    /** The route a command name (or {@code container|sub}) gets without arguments, for tables and docs. */
    public Route classifyName(String name) {
        int bar = name.indexOf('|');
        Entry entry = entries.get(bar < 0 ? name : name.substring(0, bar));
        if (entry == null) {
            return unknown(name);
        }
        if (bar < 0) {
            return entry.route;
        }
        Route sub = entry.subcommands.get(name.substring(bar + 1));
        return sub != null ? sub : entry.route;
    }

    /** The route XREAD / XREADGROUP get with a BLOCK argument. */
    public Route classifyBlockingVariant(String name) {
        Entry entry = entries.get(name);
        return entry == null || entry.blockingRoute == null ? null : entry.blockingRoute;
    }

    private static Route unknown(String name) {
        return new Route(RoutingClass.MASTER, displayName(name), null, true, false);
    }

    /** XREAD [COUNT n] [BLOCK ms] STREAMS ...: options come before the STREAMS keyword. */
    private static boolean hasBlockArgument(RedisRequest request) {
        for (int i = 1; i < request.argc(); i++) {
            if (request.argEqualsIgnoreCase(i, "streams")) {
                return false;
            }
            if (request.argEqualsIgnoreCase(i, "block")) {
                return true;
            }
        }
        return false;
    }

    private static Route route(CommandSpec spec, CommandPolicy policy, boolean ignoreBlockingFlag) {
        String display = displayName(spec.name());
        CommandPolicy.Decision decision = policy.find(spec.name());
        // Scripts and functions carry no write flag (EVAL's may_replicate is internal): unless read-only, they may
        // write.
        boolean mayWrite = spec.hasFlag("write")
                || spec.hasFlag("may_replicate")
                || spec.inCategory("@transaction")
                || (spec.inCategory("@scripting") && !spec.hasFlag("readonly"));
        boolean errorsWriteNothing = !spec.inCategory("@scripting");
        if (decision != null) {
            return new Route(decision.routingClass(), display, decision.reason(), mayWrite, errorsWriteNothing);
        }
        return new Route(fromFlags(spec, ignoreBlockingFlag), display, null, mayWrite, errorsWriteNothing);
    }

    private static RoutingClass fromFlags(CommandSpec spec, boolean ignoreBlockingFlag) {
        if (spec.inCategory("@transaction")) {
            return RoutingClass.PIN_TRANSACTION;
        }
        if (spec.hasFlag("pubsub") && spec.name().endsWith("subscribe")) {
            return RoutingClass.PIN_PUBSUB;
        }
        if (spec.hasFlag("blocking") && !ignoreBlockingFlag) {
            return RoutingClass.PIN_BLOCKING;
        }
        if (spec.hasFlag("write") || spec.hasFlag("may_replicate")) {
            return RoutingClass.MASTER;
        }
        if (spec.hasFlag("readonly")) {
            return RoutingClass.READ;
        }
        return RoutingClass.MASTER;
    }

    /** Redis prints command names in upper case, subcommands as "CONTAINER SUB". */
    private static String displayName(String name) {
        return name.replace('|', ' ').toUpperCase(Locale.ROOT);
    }
}
