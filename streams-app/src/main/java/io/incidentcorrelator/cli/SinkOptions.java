package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.sinks.HttpSender;
import io.incidentcorrelator.sinks.IncidentSink;
import io.incidentcorrelator.sinks.IncidentSource;
import io.incidentcorrelator.sinks.Secrets;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** What both sinks share: how they read the topic, and how they talk HTTP (TLS, credentials, retries). */
final class SinkOptions {

    @Option(names = "--once", description = "Handle what is in the topic now, then exit (default: run until stopped).")
    boolean once;

    @Option(names = "--group-id", paramLabel = "ID",
            description = "Consumer group whose committed offsets say where to go on (default: incident-correlator-sink-<kind>).")
    String groupId;

    @Option(names = "--from-beginning", negatable = true,
            description = "On the group's first start, begin with the incidents already in the topic (--no-from-beginning: "
                    + "only new revisions). Default: alertmanager yes (silence what is going on now), webhook no.")
    Boolean fromBeginning;

    @Option(names = "--ca-file", paramLabel = "PEM",
            description = "Trust this CA (PEM) instead of the JDK's trust store. Certificates are always verified.")
    Path caFile;

    @Option(names = "--basic-auth-user", paramLabel = "USER", description = "HTTP basic auth user.")
    String basicAuthUser;

    @Option(names = "--basic-auth-password-env", paramLabel = "VAR",
            description = "Environment variable holding the basic auth password.")
    String basicAuthPasswordEnv;

    @Option(names = "--basic-auth-password-file", paramLabel = "FILE", description = "File holding the basic auth password.")
    Path basicAuthPasswordFile;

    @Option(names = "--bearer-token-env", paramLabel = "VAR", description = "Environment variable holding a bearer token.")
    String bearerTokenEnv;

    @Option(names = "--bearer-token-file", paramLabel = "FILE", description = "File holding a bearer token.")
    Path bearerTokenFile;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Bound on connecting and on each request (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "6",
            description = "Tries per request on connection errors, timeouts, 408, 429 and 5xx before the sink stops "
                    + "(exit 1, the record stays uncommitted) (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--backoff", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Wait after the first failure, doubled after each further one (default: ${DEFAULT-VALUE}).")
    Duration backoff;

    @Option(names = "--max-backoff", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "Longest wait between tries (default: ${DEFAULT-VALUE}).")
    Duration maxBackoff;

    HttpSender sender(Map<String, String> env) {
        return sender(basicAuthUser, Secrets.read("basic auth password", basicAuthPasswordEnv, basicAuthPasswordFile,
                env), Secrets.read("bearer token", bearerTokenEnv, bearerTokenFile, env), caFile, timeout,
                new HttpSender.Retry(maxAttempts, backoff, maxBackoff));
    }

    /** How every sink talks HTTP, in its own process or in {@code run}'s; {@code password} and {@code token} may be null. */
    static HttpSender sender(String basicAuthUser, String password, String token, Path caFile, Duration timeout,
                             HttpSender.Retry retry) {
        if (token != null && basicAuthUser != null) {
            throw new ConfigException("give basic auth or a bearer token, not both");
        }
        if ((basicAuthUser == null) != (password == null)) {
            throw new ConfigException("basic auth needs --basic-auth-user and a password (--basic-auth-password-env or -file)");
        }
        final String authorization = token != null ? HttpSender.bearer(token)
                : basicAuthUser != null ? HttpSender.basicAuth(basicAuthUser, password) : null;
        return new HttpSender(HttpSender.client(caFile, timeout), authorization, retry, timeout);
    }

    /** Reads the incidents topic into {@code sink} until stopped (or, with --once, to the end offsets of now). */
    void run(ExistingCluster kafka, String kind, boolean fromBeginningByDefault, IncidentSink sink) throws Exception {
        final String group = groupId(groupId, kind);
        try (IncidentSource source = source(kafka, group, fromBeginning != null ? fromBeginning
                : fromBeginningByDefault);
             ShutdownWakeup stop = new ShutdownWakeup("sink-" + kind, source::wakeup)) {
            final long handled = consume(source, once, sink);
            if (once) {
                // What a check of an installation wants to see: did anything arrive.
                LoggerFactory.getLogger(SinkOptions.class).info("sink {}: {} record(s) of {} handled (group {})",
                        kind, handled, kafka.incidentsTopic(), group);
            }
        }
    }

    /** The sink's consumer group: {@code given}, else incident-correlator-sink-KIND. */
    static String groupId(String given, String kind) {
        return given != null ? given : "incident-correlator-sink-" + kind;
    }

    static IncidentSource source(ExistingCluster kafka, String group, boolean fromBeginning) {
        return new IncidentSource(kafka.bootstrapServers(), kafka.registry(), kafka.incidentsTopic(), group,
                fromBeginning, kafka.clientOverrides());
    }

    /**
     * Hands the incidents topic to {@code sink}, to the end offsets of now with {@code once}, else
     * until {@link IncidentSource#wakeup()}; returns how many records it handled.
     */
    static long consume(IncidentSource source, boolean once, IncidentSink sink) throws Exception {
        final long[] handled = {0};
        source.run(once ? source.endOffsets() : null, record -> {
            sink.accept(record.key(), record.value(), record.topic() + "-" + record.partition() + "-" + record.offset());
            handled[0]++;
        }, sink::tick);
        return handled[0];
    }

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return ConfigLoader.parseDuration(value);
        }
    }
}
