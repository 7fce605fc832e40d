package org.redisfailover.protocol.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Safe mode works only when every proxy and every monitor of a group runs with the same N
 * ({@code min-replica-acks}): a proxy with a higher N than the leading monitor's acknowledges writes the
 * leader's promotion rule does not protect. Each publishes its N (in {@code proxies/{id}} and
 * {@code monitors/{id}}); this reads them.
 */
public final class ReplicaAcksAgreement {

    private ReplicaAcksAgreement() {}

    /** The members (by id) that run with another N than {@code own}, as {@code id (N)}; members that do not say are left out. */
    public static List<String> disagreeing(int own, Map<String, Integer> byMember) {
        List<String> others = new ArrayList<>();
        new TreeMap<>(byMember).forEach((member, n) -> {
            if (n != null && n != own) {
                others.add(member + " (" + n + ")");
            }
        });
        return others;
    }

    /** A description of the disagreement among {@code byMember}, or null when every member that says agrees. */
    public static String mismatch(Map<String, Integer> byMember) {
        Map<Integer, List<String>> byN = new TreeMap<>();
        new TreeMap<>(byMember).forEach((member, n) -> {
            if (n != null) {
                byN.computeIfAbsent(n, k -> new ArrayList<>()).add(member);
            }
        });
        if (byN.size() <= 1) {
            return null;
        }
        StringBuilder text = new StringBuilder("min-replica-acks differs across the group:");
        byN.forEach((n, members) ->
                text.append(' ').append(n).append(" on ").append(members).append(';'));
        return text.append(
                        " the leading monitor promotes under the highest, but writes acknowledged with a lower N are not what the "
                                + "higher one promises; run every proxy and monitor with the same")
                .toString();
    }
}
