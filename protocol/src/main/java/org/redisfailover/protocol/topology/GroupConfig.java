package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What clients changed through a proxy for the whole group, in {@code {root}/config}: server settings (CONFIG SET)
 * and ACL users (ACL SETUSER, DELUSER, LOAD). The leading monitor applies them to every node that joins, returns or
 * restarts, so that a failover never reverts them. Parameters keep the order they were last set in (Redis accepts
 * a setting and its alias, the later one wins), with lower-case names. Users are kept as {@code ACL LIST} prints
 * them ({@link AclRules}: secrets hashed, never clear text); a user deleted through a proxy is remembered as deleted,
 * so that a node that was away when it was deleted loses it too. Users created by hand on one node are neither.
 *
 * @param parameters   parameter name to value, in the order they were last set
 * @param users        user name to its rules, as {@code ACL LIST} prints them
 * @param deletedUsers users deleted through a proxy (and not set again since)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GroupConfig(Map<String, String> parameters, Map<String, String> users, Set<String> deletedUsers) {

    public static final GroupConfig EMPTY = new GroupConfig(Map.of(), Map.of(), Set.of());

    public GroupConfig {
        parameters = parameters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        users = users == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(users));
        deletedUsers = deletedUsers == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(deletedUsers));
    }

    /** This record with {@code pairs} (name, value, name, value, ...) set last. */
    public GroupConfig with(List<String> pairs) {
        if (pairs.size() % 2 != 0) {
            throw new IllegalArgumentException("parameter without a value: " + pairs);
        }
        Map<String, String> next = new LinkedHashMap<>(parameters);
        for (int i = 0; i < pairs.size(); i += 2) {
            String name = pairs.get(i).toLowerCase(Locale.ROOT);
            next.remove(name); // moves it to the end: the latest setting is applied last
            next.put(name, pairs.get(i + 1));
        }
        return new GroupConfig(next, users, deletedUsers);
    }

    /** This record with the users {@code set} (name to rules) and those {@code deleted}. */
    public GroupConfig withUsers(Map<String, String> set, Collection<String> deleted) {
        Map<String, String> nextUsers = new LinkedHashMap<>(users);
        Set<String> nextDeleted = new LinkedHashSet<>(deletedUsers);
        nextUsers.putAll(set);
        nextDeleted.removeAll(set.keySet());
        for (String name : deleted) {
            nextUsers.remove(name);
            nextDeleted.add(name);
        }
        return new GroupConfig(parameters, nextUsers, nextDeleted);
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a record; throws {@link IllegalArgumentException} when it is not one. */
    public static GroupConfig decode(byte[] data) {
        return data == null || data.length == 0
                ? EMPTY
                : ZkJson.decode(data, GroupConfig.class, "a group configuration");
    }
}
