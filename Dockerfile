# The incident-correlator image: the `correlator` command line, used by every service of
# docker-compose.yml (the pipeline, the collectors, the sinks). Build the jar first:
#   mvn -B package -DskipTests && docker compose build
FROM eclipse-temurin:17-jre

# bin/correlator finds the jar relative to itself, so the checkout's layout is kept.
WORKDIR /opt/incident-correlator
COPY bin/correlator bin/correlator
COPY streams-app/target/lib/ streams-app/target/lib/
COPY streams-app/target/incident-correlator.jar streams-app/target/incident-correlator.jar

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/incident-correlator --create-home correlator
ENV PATH=/opt/incident-correlator/bin:$PATH \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -Dvertx.cacheDirBase=/tmp/vertx-cache"
USER 10001
WORKDIR /var/lib/incident-correlator

ENTRYPOINT ["correlator"]
CMD ["--help"]
