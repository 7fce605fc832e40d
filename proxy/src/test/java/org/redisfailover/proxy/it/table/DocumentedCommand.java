package org.redisfailover.proxy.it.table;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * One command or subcommand as a server documents it in {@code COMMAND DOCS}: its words ({@code CONFIG SET}),
 * its group and its argument tree, each argument a map of Redis' fields (name, type, token, flags, arguments).
 */
public record DocumentedCommand(String name, List<String> words, String group, List<Map<String, Object>> arguments) {

    /** Every command and subcommand the server at {@code jedis} documents, containers included. */
    @SuppressWarnings("unchecked")
    public static List<DocumentedCommand> readFrom(Jedis jedis) {
        List<DocumentedCommand> all = new ArrayList<>();
        collect(jedis.sendCommand(Protocol.Command.COMMAND, "DOCS"), List.of(), all);
        all.sort((a, b) -> a.name().compareTo(b.name()));
        return all;
    }

    @SuppressWarnings("unchecked")
    private static void collect(Object reply, List<String> container, List<DocumentedCommand> into) {
        List<?> flat = pairs(reply);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String fullName = text(flat.get(i)).toLowerCase(Locale.ROOT);
            Map<String, Object> doc = map(flat.get(i + 1));
            List<String> words = new ArrayList<>(container);
            words.add(fullName.contains("|") ? fullName.substring(fullName.indexOf('|') + 1) : fullName);
            List<Map<String, Object>> arguments = new ArrayList<>();
            if (doc.get("arguments") instanceof List<?> args) {
                args.forEach(arg -> arguments.add((Map<String, Object>) arg));
            }
            into.add(new DocumentedCommand(fullName, List.copyOf(words), String.valueOf(doc.get("group")), arguments));
            if (doc.get("subcommands") != null) {
                collect(doc.get("subcommands"), words, into);
            }
        }
    }

    /** Field, value, field, value, ...: from a flat RESP2 list, or from a RESP3 map as the client decoded it. */
    private static List<?> pairs(Object reply) {
        if (reply instanceof Map<?, ?> decoded) {
            List<Object> flat = new ArrayList<>();
            decoded.forEach((key, value) -> {
                flat.add(key);
                flat.add(value);
            });
            return flat;
        }
        return (List<?>) reply;
    }

    /** A documentation entry as a map; nested argument lists become lists of maps. */
    static Map<String, Object> map(Object reply) {
        List<?> flat = pairs(reply);
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String key = text(flat.get(i));
            Object value = flat.get(i + 1);
            if (key.equals("arguments") && value instanceof List<?> args) {
                List<Map<String, Object>> children = new ArrayList<>();
                args.forEach(arg -> children.add(map(arg)));
                map.put(key, children);
            } else if (key.equals("flags") && value instanceof Collection<?> flags) {
                map.put(key, flags.stream().map(DocumentedCommand::text).toList());
            } else if (key.equals("subcommands")) {
                map.put(key, value);
            } else {
                map.put(key, value instanceof byte[] ? text(value) : value);
            }
        }
        return map;
    }

    static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    /** The argument's flags (optional, multiple, multiple_token). */
    @SuppressWarnings("unchecked")
    static List<String> flags(Map<String, Object> argument) {
        Object flags = argument.get("flags");
        return flags instanceof List<?> list ? (List<String>) list : List.of();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> children(Map<String, Object> argument) {
        Object children = argument.get("arguments");
        return children instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }
}
