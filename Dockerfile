# redis-failover: the proxy (with its co-located monitor) in a container.
#
#   docker build -t redis-failover .
#   docker run -p 7379:7379 -e REDIS_FAILOVER_REQUIREPASS=<a password for clients> redis-failover \
#       proxy --listen 0.0.0.0:7379 --admin 0.0.0.0:9121 --zk zookeeper:2181 --redis redis-1:6379,redis-2:6379,redis-3:6379
#
# Clients come in through the port mapping, from another address than loopback: protected mode (on by
# default, as in Redis) lets them in only when something asks who they are, here the proxy's password
# (or client certificates on --tls-listen, or Redis' own requirepass). compose.yaml shows the alternative.
#
# Two stages: Maven builds the jar and jlink a Java runtime of the modules it uses; a plain Debian image
# runs them as an unprivileged user. The base images are build arguments, so that a site without a
# registry can use images it built itself (scripts/container-smoke builds both from Debian's packages
# with debootstrap). Any Debian or Ubuntu based JDK 17+ image with jmods builds; any glibc image with
# bash runs.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY protocol protocol
COPY test-support test-support
COPY monitor monitor
COPY proxy proxy
COPY app app
# The sources come without .git: the version the jar reports is passed in (scripts/release, container-smoke).
ARG GIT_DESCRIBE=
ARG GIT_REVISION=
RUN mvn -B -q -DskipTests ${GIT_DESCRIBE:+-Dgit.commit.id.describe=$GIT_DESCRIBE} ${GIT_REVISION:+-Dgit.commit.id.abbrev=$GIT_REVISION} package
# The modules `jdeps --print-module-deps` finds in the jar, less java.desktop and java.compiler (only
# Jackson's optional java.beans support and compile-time annotations refer to them), plus jdk.crypto.ec
# for TLS with EC keys, which nothing names statically: 40 MB where the JRE package takes 260 MB. (Java
# debug attributes only: stripping native symbols needs objcopy, and distributions ship them stripped.)
RUN jlink --add-modules java.base,java.naming,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported,jdk.crypto.ec \
        --strip-java-debug-attributes --no-man-pages --no-header-files --compress=2 --output /opt/java

FROM ${RUNTIME_IMAGE}
# A fixed numeric user, so that an orchestrator can check it is not root (Kubernetes' runAsNonRoot).
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin redis-failover
COPY --from=build /opt/java /opt/java
COPY --from=build /src/app/target/redis-failover.jar /opt/redis-failover/redis-failover.jar
ENV PATH=/opt/java/bin:$PATH
COPY conf/proxy.properties /etc/redis-failover/proxy.properties.example
USER 10001:10001
# 7379: Redis clients; 9121: the admin endpoint (/ready, /metrics, ...): publish it to a management network only.
EXPOSE 7379 9121
# Liveness: /health answers while the process serves. Readiness (/ready: a master to write to, not shutting
# down) is for load balancers and orchestrators' readiness probes, not for restarting a container: during a
# failover or a ZooKeeper outage every proxy is briefly not ready, and that must not restart them all. bash's
# /dev/tcp keeps the check free of curl and of a second JVM; the admin endpoint is on
# REDIS_FAILOVER_ADMIN_PORT (9121 by default), over plain HTTP (with --admin-tls-*, probe it from outside).
ENV REDIS_FAILOVER_ADMIN_PORT=9121
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${REDIS_FAILOVER_ADMIN_PORT} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=75", "-jar", "/opt/redis-failover/redis-failover.jar"]
CMD ["proxy", "--help"]
