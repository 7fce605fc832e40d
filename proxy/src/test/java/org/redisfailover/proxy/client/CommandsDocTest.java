package org.redisfailover.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.command.CommandPolicy;
import org.redisfailover.protocol.command.CommandSpec;
import org.redisfailover.protocol.command.CommandTable;
import org.redisfailover.protocol.command.ConfigPolicy;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespWriter;

/**
 * docs/COMMANDS.md: what the proxy does with every command and subcommand of Redis' table, rendered
 * from the same classifier and refusal code the proxy runs, so the page cannot drift from the code.
 * Regenerate with {@code mvn -pl proxy test -Dtest=CommandsDocTest -Dgolden.update=true}.
 */
class CommandsDocTest {

    private static final Path DOC = Path.of("../docs/COMMANDS.md");

    private final CommandTable table = CommandTable.load();
    private final CommandClassifier classifier = new CommandClassifier(table, CommandPolicy.load());

    private List<String> render() throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "# Commands through redis-failover",
                "",
                "Every command and subcommand of Redis " + table.redisVersion() + "'s command table"
                        + (table.addedFrom() == null
                                ? ""
                                : ", and those " + table.addedFrom() + " adds (scripts/gen-command-table)")
                        + ", with what the proxy does with it.",
                "Generated from the proxy's own classifier and refusal code by `CommandsDocTest`; do not edit by hand:",
                "`mvn -pl proxy test -Dtest=CommandsDocTest -Dgolden.update=true` regenerates it, and the test fails when it is stale.",
                "",
                "- **replica or master**: flagged `readonly` by Redis; goes to a replica or the master as `read-policy` says.",
                "  SCAN, SSCAN, HSCAN and ZSCAN (`read-cursor`) stay on the node a client's first scan went to while it is",
                "  routed to and healthy; a cursor continued after that node is gone gets an error that says to start again.",
                "- **master**: forwarded to the master (writes, scripts, admin reads, and any command not in the table).",
                "- **proxy**: answered by the proxy itself, as Redis would answer.",
                "- **pinned**: runs on a master connection of the client's own: a transaction from MULTI or WATCH until EXEC,",
                "  DISCARD or UNWATCH (every command in between goes there too), a blocking call for its duration, and the",
                "  subscriptions until the last unsubscribe. docs/PROXY.md says what each does across a failover.",
                "- **group**: applied to every node of the group (below, \"CONFIG for the group\" and \"ACL users for the group\").",
                "- **refused**: answered with the error shown; nothing reaches Redis.",
                "",
                "- **in cluster mode** (`--cluster`, docs/CLUSTER.md): where the same command goes in front of a Redis Cluster,",
                "  from its key specifications and tips (here those of the table above; at run time the nodes' own).",
                "",
                "| command | routing | what the proxy does | in cluster mode |",
                "|---|---|---|---|"));
        for (CommandSpec spec : table.allWithSubcommands()) {
            Route route = classifier.classifyName(spec.name());
            lines.add(row(spec.name(), route, ClusterModeColumn.describe(spec.name(), spec, route)));
            Route blocking = classifier.classifyBlockingVariant(spec.name());
            if (blocking != null) {
                lines.add(row(
                        spec.name() + " (with BLOCK)",
                        blocking,
                        ClusterModeColumn.describe(spec.name(), spec, blocking)));
            }
        }
        lines.addAll(configSection());
        lines.addAll(aclSection());
        lines.addAll(differencesSection());
        return lines;
    }

    /** What CONFIG SET does for the group, and the parameters it refuses, from the policy file the proxy loads. */
    private static List<String> configSection() {
        List<String> lines = new ArrayList<>(List.of(
                "",
                "## CONFIG for the group",
                "",
                "A setting made on the master alone would be lost at the next failover, so `CONFIG SET` is the group's:",
                "",
                "1. the master runs it first. Redis 7 applies all of its parameters or none, so when the master refuses, its error",
                "   is the client's answer (byte for byte) and no node changed;",
                "2. every replica the proxy can reach runs it next. If one refuses (an older Redis without the parameter), the",
                "   previous values are put back on the nodes that took the new ones, and the client gets",
                "   `-ERR CONFIG SET failed: replica HOST:PORT refused it (...)`;",
                "3. following ZooKeeper, the change is merged into `{zk-path}/config` (a compare-and-set, so proxies setting",
                "   different parameters at once keep both). The leading monitor applies that record to every node it reaches",
                "   once per process and record version: a replica that restarts without it, one that was cut off when it was set,",
                "   one that joins, and so the replica promoted at a failover. If the record cannot be written within the",
                "   ZooKeeper session timeout, the change is undone on the nodes as in step 2;",
                "4. only then the client gets `+OK`.",
                "",
                "Without ZooKeeper the configured master and replicas are the group; a replica unreachable at the time misses the",
                "change. `CONFIG GET` answers as the master does. `CONFIG RESETSTAT` reaches every reachable node. Inside MULTI,",
                "`CONFIG SET` is refused (it must reach every node, and a transaction runs on the master alone). `CONFIG REWRITE`",
                "stays refused: each server's file is its operator's, and the group's changes live in ZooKeeper. To forget a",
                "recorded setting, set it back to its default through the proxy (or delete the znode).",
                "",
                "These parameters are refused before anything is sent, with",
                "`-ERR CONFIG SET failed (possibly related to argument 'NAME') - refused by redis-failover: REASON`",
                "(the list is the reviewed file `protocol/src/main/resources/org/redisfailover/protocol/command/config-policy.properties`;",
                "`name*` covers every parameter starting with `name`):",
                "",
                "| parameter | why it is refused |",
                "|---|---|"));
        ConfigPolicy.load().entries().forEach((name, reason) -> lines.add("| `" + name + "` | " + reason + " |"));
        return lines;
    }

    /** What ACL SETUSER, DELUSER, LOAD and SAVE do for the group (GroupAclCommand). */
    private static List<String> aclSection() {
        return List.of(
                "",
                "## ACL users for the group",
                "",
                "Redis does not replicate ACL users: a user made on the master alone fails its clients after the next failover.",
                "Through the proxy, `ACL SETUSER`, `ACL DELUSER` and `ACL LOAD` are the group's:",
                "",
                "1. the master runs the client's command, on the client's connection: as its own Redis user after `AUTH`, so",
                "   Redis checks that user's permission, and its refusal is the answer (byte for byte) with nothing changed;",
                "2. what the command changed is read back from the master (`ACL LIST` before and after): the users made or",
                "   changed, with their secrets as Redis keeps them (`#<sha256>`), and the users deleted;",
                "3. every replica the proxy can reach gets the same users (`ACL SETUSER name resetpass resetkeys resetchannels",
                "   clearselectors off -@all <rules>`: exactly the master's, from any state) and loses the deleted ones. If one",
                "   refuses, the master and the replicas that took the change get the previous users back, and the client gets",
                "   `-ERR redis-failover: ACL SETUSER was undone on every node: replica HOST:PORT refused it (...)`;",
                "4. following ZooKeeper, the users are merged into `{zk-path}/config` (`users`: name to rules, hashed secrets",
                "   only; `deletedUsers`: names deleted through a proxy). The leading monitor applies them as it applies the",
                "   settings: to a node that restarts, returns, joins or is promoted. A record that fails undoes the change as",
                "   in step 3;",
                "5. only then the client gets the master's answer (`+OK`, or `ACL DELUSER`'s count).",
                "",
                "The monitor applies each version of the record to every node it reaches. A change made through a proxy while",
                "the monitor is still applying the version before it can be undone on a node for the moment between that",
                "application and the next one (a deleted user back, or a previous password valid again, for up to a probe",
                "round); the node then converges on the newest record. Two changes to the same user in quick succession are",
                "where this shows.",
                "",
                "`ACL SAVE` runs on every reachable node (each writes its own ACL file) and answers as the master. `ACL LIST`,",
                "`ACL GETUSER` and `ACL USERS` are the master's, so the group's. `ACL WHOAMI` is answered by the proxy: the",
                "client's user after `AUTH`, else `default`, as Redis would (the proxy's own backend user is never shown).",
                "",
                "The user the proxy and its monitor log in as (`backend-user`, else `default`) cannot be changed or deleted",
                "through the proxy: `-ERR redis-failover: ACL SETUSER of 'NAME' is refused through redis-failover: ...`. A",
                "mistake there would lock the proxy and the monitors out of every node; change it on the nodes directly. An",
                "`ACL LOAD` that changes it on the master is not spread.",
                "",
                "Users created by hand on one node are left alone: not copied and not deleted (the monitor applies only the",
                "users the group's record names). To make one the group's, set it again through the proxy: `ACL GETUSER` on",
                "that node shows its rules, and `ACL LIST` its hashed secret (`#<sha256>`), which `ACL SETUSER` accepts as is;",
                "or put it in the master's ACL file and run `ACL LOAD` through the proxy.");
    }

    /** The commands whose replies differ from a Redis of the client's own, from the differential test's own list. */
    private static List<String> differencesSection() throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "",
                "## Where a reply differs from Redis",
                "",
                "`CommandTableDifferentialIT` sends every command and subcommand above (a valid call with small generated",
                "arguments, a call with too few arguments, a call on a key of the wrong type, in RESP2 and RESP3) to a",
                "redis-server directly and to another through the proxy, and compares the replies byte for byte; it runs",
                "against Valkey too where `valkey-server` is installed. Commands the proxy refuses are not sent to Redis",
                "(their errors are in the table above). Every other reply is byte for byte an independent Redis' own, except",
                "for these. *node*: server-specific, and byte for byte what the proxy's own master answers directly; *type*:",
                "a reply of the same type, other content; *refused*: the proxy refuses some forms, other forms are Redis' own.",
                "",
                "| command | checked as | why |",
                "|---|---|---|"));
        Properties exceptions = new Properties();
        try (InputStream in = CommandsDocTest.class.getResourceAsStream("/differential-exceptions.properties")) {
            exceptions.load(in);
        }
        new TreeMap<>(exceptions).forEach((name, value) -> {
            String text = String.valueOf(value);
            int colon = text.indexOf(':');
            lines.add("| `" + String.valueOf(name).replace("|", " ") + "` | " + text.substring(0, colon) + " | "
                    + text.substring(colon + 1).strip() + " |");
        });
        return lines;
    }

    private static String row(String name, Route route, String inCluster) {
        String behaviour =
                switch (route.routingClass()) {
                    case READ -> "replica or master, per `read-policy`";
                    case READ_CURSOR ->
                        "replica or master, per `read-policy`; a client's scans all stay on one node, so its cursors stay valid";
                    case MASTER -> "forwarded to the master";
                    case LOCAL ->
                        switch (name) {
                            case "auth" ->
                                "checked by Redis on a master connection of the client's own; once accepted the client runs as that user on every node";
                            case "client|tracking" ->
                                "RESP3: on a master connection of the client's own, which passes the invalidations on; "
                                        + "refused with the reason in RESP2 and with REDIRECT";
                            case "client|no-touch", "client|no-evict" ->
                                "checked by Redis on a master connection of the client's own; once accepted the client runs on"
                                        + " connections of its own opened with the mode (CLIENT INFO shows its flag)";
                            case "client|capa" -> "answered OK by the proxy: it never redirects a client";
                            case "client|list" ->
                                "answered by the proxy: its own clients, each as CLIENT INFO shows it; TYPE and ID as Redis;"
                                        + " permission checked by Redis on the master";
                            case "acl|whoami" ->
                                "answered by the proxy: the client's own user after AUTH, else default";
                            case "hello" ->
                                "answered by the master in the protocol asked for (2 or 3); later requests use connections of that protocol";
                            default -> "answered by the proxy";
                        };
                    case CLOSE -> "connection closed, as Redis does for HTTP input";
                    case GROUP ->
                        switch (name) {
                            case "config|set" ->
                                "group: the master, then every reachable replica, then recorded; all parameters or none, on every node";
                            case "acl|setuser", "acl|deluser", "acl|load" ->
                                "group: the master as the client's user, then what it changed (read back, secrets hashed)"
                                        + " on every reachable replica, then recorded; undone everywhere if a node refuses;"
                                        + " the proxy's own user refused";
                            case "acl|save" ->
                                "group: every reachable node writes its own ACL file; the master's answer";
                            case "script|kill", "function|kill" ->
                                "group: every reachable node at once, on a connection of its own that nothing queues on; OK"
                                        + " when a node stopped a script, else Redis' refusal (UNKILLABLE, NOTBUSY)";
                            default -> "group: every reachable node; the client gets the master's answer";
                        };
                    case PIN_BLOCKING -> "pinned: the master, on a connection borrowed for the call";
                    case PIN_PUBSUB -> "pinned: the master, on the client's subscription connection";
                    case PIN_TRANSACTION ->
                        name.equals("multi") || name.equals("watch")
                                ? "pinned: opens the client's transaction connection to the master"
                                : "pinned: on the client's transaction connection; outside MULTI/WATCH answered by the proxy: `"
                                        + refusal(name, route) + "`";
                    default -> "refused: `" + refusal(name, route) + "`";
                };
        return "| `" + name.replace("|", " ").replace(" (with BLOCK)", "") + "`"
                + (name.endsWith("(with BLOCK)") ? " with BLOCK" : "") + " | "
                + route.routingClass().label() + " | " + behaviour.replace("|", "\\|") + " | "
                + inCluster.replace("|", "\\|") + " |";
    }

    /** The exact error line the proxy sends, from the code that sends it. */
    private static String refusal(String name, Route route) {
        String base = name.replace(" (with BLOCK)", "");
        List<String> args = new ArrayList<>(List.of(base.split("\\|")));
        RedisRequest request = RespWriter.request(UnpooledByteBufAllocator.DEFAULT, args.toArray(String[]::new));
        try {
            RedisMessage reply = Refusals.refuse(route, request);
            if (reply instanceof ErrorRedisMessage error) {
                return "-" + error.content();
            }
            return "+" + ((io.netty.handler.codec.redis.SimpleStringRedisMessage) reply).content();
        } finally {
            request.release();
        }
    }

    @Test
    void commandsPageMatchesWhatTheProxyDoes() throws IOException {
        List<String> actual = render();
        if (Boolean.getBoolean("golden.update")) {
            Files.write(DOC, actual, StandardCharsets.UTF_8);
        }
        assertEquals(
                String.join("\n", Files.readAllLines(DOC, StandardCharsets.UTF_8)),
                String.join("\n", actual),
                "docs/COMMANDS.md is stale: regenerate with -Dgolden.update=true");
    }
}
