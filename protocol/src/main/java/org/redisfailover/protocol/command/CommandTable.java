package org.redisfailover.protocol.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The commands of the pinned Redis version, loaded once from the resource that
 * {@code scripts/gen-command-table} writes from a real redis-server's {@code COMMAND} output.
 * Immutable.
 */
public final class CommandTable {

    static final String RESOURCE = "redis-commands.json";

    private final String redisVersion;
    private final String addedFrom;
    private final Map<String, CommandSpec> commands;

    private CommandTable(String redisVersion, String addedFrom, Map<String, CommandSpec> commands) {
        this.redisVersion = redisVersion;
        this.addedFrom = addedFrom;
        this.commands = Collections.unmodifiableMap(commands);
    }

    /** The table checked in with this build. */
    public static CommandTable load() {
        try (InputStream in = CommandTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static CommandTable parse(JsonNode root) {
        Map<String, CommandSpec> commands = new LinkedHashMap<>();
        for (JsonNode node : root.get("commands")) {
            CommandSpec spec = spec(node);
            commands.put(spec.name(), spec);
        }
        JsonNode addedFrom = root.get("added_from");
        return new CommandTable(
                root.get("redis_version").asText(), addedFrom == null ? null : addedFrom.asText(), commands);
    }

    private static CommandSpec spec(JsonNode node) {
        Map<String, CommandSpec> subcommands = new LinkedHashMap<>();
        for (JsonNode sub : node.get("subcommands")) {
            CommandSpec spec = spec(sub);
            subcommands.put(spec.name().substring(spec.name().indexOf('|') + 1), spec);
        }
        return new CommandSpec(
                node.get("name").asText(),
                node.get("arity").asInt(),
                strings(node.get("flags")),
                strings(node.get("acl_categories")),
                strings(node.get("tips")),
                node.path("key_specs").asInt(0),
                node.get("group").asText(),
                node.get("since").asText(),
                strings(node.get("doc_flags")),
                Collections.unmodifiableMap(subcommands));
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> values = new LinkedHashSet<>();
        array.forEach(value -> values.add(value.asText()));
        return Collections.unmodifiableSet(values);
    }

    public String redisVersion() {
        return redisVersion;
    }

    /** The other server whose extra commands the table includes (scripts/gen-command-table), or null. */
    public String addedFrom() {
        return addedFrom;
    }

    /** The command with this lower-case name, or null. */
    public CommandSpec find(String name) {
        return commands.get(name);
    }

    /** Top-level commands, by name. */
    public Map<String, CommandSpec> commands() {
        return commands;
    }

    /** Every command and every subcommand, in table order. */
    public List<CommandSpec> allWithSubcommands() {
        List<CommandSpec> all = new ArrayList<>();
        for (CommandSpec spec : commands.values()) {
            all.add(spec);
            all.addAll(spec.subcommands().values());
        }
        return all;
    }
}
