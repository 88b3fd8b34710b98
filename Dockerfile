# syntax=docker/dockerfile:1
# Build stage: Maven with JDK 17. Dependencies are resolved in their own layer so that a
# change to the sources does not download them again.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY conf conf
RUN mvn -B -q package -Dmaven.test.skip=true

# The black-box suite from e2e/, run by docker compose against the proxy and redis services.
FROM build AS e2e
COPY e2e e2e
CMD ["sh", "-c", "mvn -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='dev.redisproxy.e2e.**'"]

# Runtime stage: a JRE only, a non-root user, the fat jar and its default config.
FROM eclipse-temurin:17-jre AS runtime
RUN groupadd --system proxy && useradd --system --gid proxy --home-dir /app --shell /usr/sbin/nologin proxy
WORKDIR /app
COPY --from=build /src/target/redis-proxy.jar /app/redis-proxy.jar
COPY conf /app/conf
USER proxy
# JVM options, e.g. JAVA_OPTS="-Xmx512m"; the default sizes the heap from the container's memory limit.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENV PROXY_PORT=8080 RESP_PORT=6380
EXPOSE 8080 6380
# Liveness over plain bash (the JRE image has no curl): a 200 from /health/live. With TLS on
# (PROXY_TLS_CERT) bash cannot speak it, so the port accepting a connection has to do.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PROXY_PORT} && { [ -n \"${PROXY_TLS_CERT}\" ] || { printf 'GET /health/live HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '; }; }"]
# exec so that java is PID 1's child-free replacement and receives SIGTERM for a graceful drain.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/redis-proxy.jar \"$@\"", "redis-proxy"]
