package org.redisfailover.proxy.it;

/** {@link GroupAclCases} against redis-server. */
class GroupAclIT extends GroupAclCases {
    @Override
    String server() {
        return "redis-server";
    }
}
