package org.redisfailover.protocol.topology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Redis' ACL users as {@code ACL LIST} prints them ({@code user alice on #<sha256> ~* resetchannels -@all +get}),
 * one rule string per user. Secrets appear only as Redis stores them, hashed ({@code #<sha256>}), so a rule string
 * may be kept anywhere. {@link #setUser} puts a user back as listed.
 */
public final class AclRules {

    private AclRules() {}

    /** The users of an {@code ACL LIST} reply: name to rules, in the order listed; lines that are not users are skipped. */
    public static Map<String, String> parse(List<String> lines) {
        Map<String, String> users = new LinkedHashMap<>();
        for (String line : lines) {
            List<String> words = words(line);
            if (words.size() >= 2 && words.get(0).equals("user")) {
                users.put(words.get(1), String.join(" ", words.subList(2, words.size())));
            }
        }
        return users;
    }

    /**
     * The arguments of {@code ACL SETUSER} that make {@code name} what {@code rules} describe, from any state: every
     * part the rules may not mention cleared first. Not {@code reset}, which also sets {@code sanitize-payload}, a
     * flag no rule clears again (a user created without it would differ). A selector ({@code (~key* +get)}) is one
     * argument, as Redis takes it.
     */
    public static List<String> setUser(String name, String rules) {
        List<String> command = new ArrayList<>(List.of(
                "ACL", "SETUSER", name, "resetpass", "resetkeys", "resetchannels", "clearselectors", "off", "-@all"));
        command.addAll(words(rules));
        return command;
    }

    /**
     * The commands that bring a node's users to {@code set} (name to rules, each made exactly so) and delete
     * {@code deleted}: one {@link #setUser} per user, then one {@code ACL DELUSER} for all the deleted ones.
     */
    public static List<List<String>> commands(Map<String, String> set, Collection<String> deleted) {
        List<List<String>> commands = new ArrayList<>();
        set.forEach((name, rules) -> commands.add(setUser(name, rules)));
        if (!deleted.isEmpty()) {
            List<String> delete = new ArrayList<>(List.of("ACL", "DELUSER"));
            delete.addAll(deleted);
            commands.add(delete);
        }
        return commands;
    }

    /** Splits on spaces, keeping a parenthesised selector whole. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' && depth == 0) {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            }
            word.append(c);
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }
}
