package org.redisfailover.app;

import picocli.CommandLine;

/** The version from the jar manifest (the build's project version). */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = RedisFailoverMain.class.getPackage().getImplementationVersion();
        return new String[] {"redis-failover " + (version == null ? "development build" : version)};
    }
}
