package org.redisfailover.protocol.command;

import java.util.Map;
import java.util.Set;

/**
 * One command (or subcommand, named {@code container|sub}) as Redis describes it in {@code COMMAND}
 * and {@code COMMAND DOCS}.
 *
 * @param arity       Redis' arity: exact argument count when positive, minimum when negative
 * @param tips        the command tips ({@code request_policy:all_shards}, {@code response_policy:agg_sum}, ...)
 * @param keySpecs    how many key specifications it has (0: no keys, as a cluster routes it)
 * @param subcommands by lower-case subcommand name (without the container prefix)
 */
public record CommandSpec(
        String name,
        int arity,
        Set<String> flags,
        Set<String> aclCategories,
        Set<String> tips,
        int keySpecs,
        String group,
        String since,
        Set<String> docFlags,
        Map<String, CommandSpec> subcommands) {

    public boolean hasFlag(String flag) {
        return flags.contains(flag);
    }

    public boolean inCategory(String category) {
        return aclCategories.contains(category);
    }

    /** The value of a tip such as {@code request_policy}, or null. */
    public String tip(String name) {
        for (String tip : tips) {
            if (tip.startsWith(name + ":")) {
                return tip.substring(name.length() + 1);
            }
        }
        return null;
    }
}
