package org.redisfailover.proxy.it.table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Small calls for a documented command: a valid one (every required argument once, the first alternative
 * of each choice, small values), one with too few arguments, and the key preparation each needs. The first
 * key is always {@code k}, prepared with a one-element value of the command's group (one element, so that
 * random picks such as SPOP or HRANDFIELD answer the same on both servers); other keys are absent.
 */
public final class CallGenerator {

    /** The key every generated call names first. */
    public static final String KEY = "k";

    private CallGenerator() {}

    /** Words of a call with every required argument, or null for a container that takes a subcommand. */
    public static List<String> valid(DocumentedCommand command) {
        List<String> call = new ArrayList<>(command.words());
        int[] keys = {0};
        command.arguments().forEach(argument -> required(argument, call, keys));
        return call;
    }

    /** The command's words alone: too few arguments for every command that takes some. */
    public static List<String> tooFew(DocumentedCommand command) {
        return command.words();
    }

    private static void required(Map<String, Object> argument, List<String> call, int[] keys) {
        if (!DocumentedCommand.flags(argument).contains("optional")) {
            emit(argument, call, keys);
        }
    }

    private static void emit(Map<String, Object> argument, List<String> call, int[] keys) {
        Object token = argument.get("token");
        if (token != null) {
            call.add(String.valueOf(token));
        }
        String name = String.valueOf(argument.get("name"));
        switch (String.valueOf(argument.get("type"))) {
            case "pure-token" -> {
                // the token is the argument
            }
            case "oneof" -> emit(DocumentedCommand.children(argument).get(0), call, keys);
            case "block" -> DocumentedCommand.children(argument).forEach(child -> required(child, call, keys));
            case "key" -> call.add(keys[0]++ == 0 ? KEY : KEY + keys[0]);
            case "integer" -> call.add("1");
            case "double" -> call.add("0.01"); // small enough to serve as a blocking timeout
            case "unix-time" -> call.add("1700000000");
            case "pattern" -> call.add("*");
            default -> call.add(name.equals("host") ? "127.0.0.1" : "v");
        }
    }

    /** Commands that prepare {@code k} as a small value of the group's type. */
    public static List<List<String>> preparation(String group) {
        return switch (group) {
            case "list" -> List.of(List.of("RPUSH", KEY, "a"));
            case "hash" -> List.of(List.of("HSET", KEY, "f", "v"));
            case "set" -> List.of(List.of("SADD", KEY, "a"));
            case "sorted-set" -> List.of(List.of("ZADD", KEY, "1", "a"));
            case "geo" -> List.of(List.of("GEOADD", KEY, "0.01", "0.01", "a"));
            case "stream" -> List.of(List.of("XADD", KEY, "1-1", "f", "v"));
            case "hyperloglog" -> List.of(List.of("PFADD", KEY, "a"));
            default -> List.of(List.of("SET", KEY, "v"));
        };
    }

    /** A value of another type than the group's, for the wrong-type call. */
    public static List<List<String>> wrongType(String group) {
        return switch (group) {
            case "string",
                    "bitmap",
                    "hyperloglog",
                    "generic",
                    "server",
                    "connection",
                    "scripting",
                    "pubsub",
                    "cluster",
                    "transactions" -> List.of(List.of("RPUSH", KEY, "a"));
            default -> List.of(List.of("SET", KEY, "v"));
        };
    }
}
