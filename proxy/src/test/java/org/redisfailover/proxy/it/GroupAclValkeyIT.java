package org.redisfailover.proxy.it;

/** {@link GroupAclCases} against valkey-server. */
class GroupAclValkeyIT extends GroupAclCases {
    @Override
    String server() {
        return "valkey-server";
    }
}
