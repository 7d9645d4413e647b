package io.incidentcorrelator.config;

/**
 * The reference of every setting, as Markdown: {@code docs/configuration.md} is this text, built
 * from {@link CorrelatorSettings}' definitions, and a test fails when the two differ, so a setting
 * added or a default changed cannot leave the document behind.
 */
public final class ConfigReference {

    private ConfigReference() {
    }

    /** Writes the reference to the file given ({@code docs/configuration.md}), or prints it. */
    public static void main(String[] args) throws java.io.IOException {
        if (args.length == 0) {
            System.out.print(markdown());
        } else {
            java.nio.file.Files.writeString(java.nio.file.Path.of(args[0]), markdown());
        }
    }

    /** The whole of {@code docs/configuration.md}. */
    public static String markdown() {
        final StringBuilder md = new StringBuilder();
        md.append("# Configuration\n\n")
                .append("<!-- Generated from the definitions in CorrelatorSettings; edit those and run\n")
                .append("     java -cp streams-app/target/incident-correlator.jar io.incidentcorrelator.config.ConfigReference docs/configuration.md\n")
                .append("     (after mvn -o -q package -DskipTests -pl streams-app -am), or\n")
                .append("     mvn -o -pl streams-app -am test -Dtest=ConfigReferenceTest -Dconfig.reference.write=true -->\n\n")
                .append("Settings come from a properties file (`--config FILE`) and the environment; the environment ")
                .append("wins. Command-line flags (`--bootstrap-servers`, `--schema-registry-url`) win over both.\n\n")
                .append("## Correlator settings\n\n")
                .append("| key (file) | environment | default | accepts | meaning |\n|---|---|---|---|---|\n");
        CorrelatorSettings.ALL.forEach(s -> md.append("| `").append(s.key()).append("` | `").append(s.envName())
                .append("` | ").append(s.defaultValue().isEmpty() ? "(empty)" : "`" + s.defaultValue() + "`")
                .append(" | ").append(s.type().accepted()).append(" | ").append(s.doc()).append(" |\n"));
        md.append("\nDurations: `90s`, `30m`, `12h`, `1d`, `500ms` or ISO-8601 (`PT30M`). A value a setting does not ")
                .append("accept stops the command with one line naming the setting, its variable and what it accepts. ")
                .append("An unknown `incident-correlator.*` key is an error, and so is an `INCIDENT_CORRELATOR_*` ")
                .append("variable within three letters of a known one (`INCIDENT_CORRELATOR_BACKUP_COOLDOWN`): the ")
                .append("message names the nearest known setting. The collectors' own settings ")
                .append("(`INCIDENT_CORRELATOR_COLLECT_*`, `incident-correlator.collect.*`) are their options, checked ")
                .append("the same way; see collectors/README.md.\n\n")
                .append("## Kafka clients and Streams\n\n")
                .append("Every `kafka.KEY` in the file and every `KAFKA_KEY` variable (upper case, `_` for `.`: ")
                .append("`KAFKA_SECURITY_PROTOCOL` → `security.protocol`) is passed to the Kafka clients and Kafka ")
                .append("Streams as `KEY`, after the correlator's own Streams settings (exactly-once, dead-letter ")
                .append("topic, ...), so it can override them. `kafka.bootstrap.servers` / `KAFKA_BOOTSTRAP_SERVERS` ")
                .append("names the cluster.\n\n")
                .append("TLS and SASL use Kafka's standard settings, for example:\n\n```properties\n")
                .append("kafka.bootstrap.servers=kafka-1:9093,kafka-2:9093\n")
                .append("kafka.security.protocol=SASL_SSL\n")
                .append("kafka.sasl.mechanism=SCRAM-SHA-512\n")
                .append("kafka.sasl.jaas.config.file=/run/secrets/kafka-jaas\n")
                .append("kafka.ssl.truststore.location=/etc/incident-correlator/kafka-ca.p12\n")
                .append("kafka.ssl.truststore.type=PKCS12\n")
                .append("kafka.ssl.truststore.password.file=/run/secrets/kafka-truststore-password\n```\n\n")
                .append("where `/run/secrets/kafka-jaas` holds\n")
                .append("`org.apache.kafka.common.security.scram.ScramLoginModule required username=\"correlator\" ")
                .append("password=\"...\";`. A client certificate (mTLS) adds `kafka.ssl.keystore.*`.\n\n")
                .append("### Secrets from files\n\n")
                .append("These settings hold secrets. Give them as `KEY.file` (file) or `..._FILE` (environment) ")
                .append("naming a file that contains the value (a trailing line break is dropped), so the secret is ")
                .append("in neither the configuration file nor the process environment. Giving both `KEY` and ")
                .append("`KEY.file` is an error. Secrets are never logged: Kafka prints them as `[hidden]`, the ")
                .append("correlator's messages name the setting and the file, never the value.\n\n")
                .append("| secret | file key | environment |\n|---|---|---|\n");
        for (String key : ConfigLoader.KAFKA_SECRETS) {
            md.append("| `kafka.").append(key).append("` | `kafka.").append(key).append(ConfigLoader.FILE_SUFFIX)
                    .append("` | `").append(kafkaEnv(key)).append("`, `").append(kafkaEnv(key)).append("_FILE` |\n");
        }
        md.append("| `schema.registry.basic.auth.user.info` | `schema.registry.basic.auth.user.info.file` | ")
                .append("`INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO`, `..._FILE` |\n")
                .append("| `schema.registry.ssl.truststore.password` | `schema.registry.ssl.truststore.password.file` | ")
                .append("`INCIDENT_CORRELATOR_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_FILE` |\n\n")
                .append("## Schema registry\n\n")
                .append("| key (file) | environment | default | meaning |\n|---|---|---|---|\n")
                .append("| `schema.registry.url` | `INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL` | (none; `--embedded` and ")
                .append("replays use an in-process one) | Confluent-compatible registry, `http(s)://host:port`, ")
                .append("comma-separated for several |\n")
                .append("| `schema.registry.basic.auth.user.info` (or `basic.auth.user.info`) | ")
                .append("`INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO` | (none) | `user:password` for ")
                .append("HTTP basic auth; prefer the `.file` / `_FILE` form |\n")
                .append("| `basic.auth.credentials.source` | | `USER_INFO` | only `USER_INFO` is supported |\n")
                .append("| `auto.register.schemas` | `INCIDENT_CORRELATOR_AUTO_REGISTER_SCHEMAS` | `true` | register ")
                .append("the incident schema when writing |\n")
                .append("| `schema.registry.ssl.truststore.location` | ")
                .append("`INCIDENT_CORRELATOR_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION` | JDK trust store | trust ")
                .append("store for an https registry (`.type`: PKCS12 or JKS) |\n")
                .append("| `schema.registry.connect.timeout.ms` | | `5000` | |\n")
                .append("| `schema.registry.request.timeout.ms` | | `10000` | |\n\n")
                .append("A registry that cannot answer (unreachable, timeout, 5xx, 401/403/429) never turns a ")
                .append("record into a dead letter: `correlator run` stops reading, replaces the stream thread ")
                .append("after a pause (1 s doubling to 60 s; each retry also waits for the consumer group's ")
                .append("`session.timeout.ms`, `kafka.session.timeout.ms` to shorten it) and reads the same ")
                .append("records again. A failure on a global table (inventory, storage locations) stops the ")
                .append("client: run it under a supervisor that restarts it.\n\n")
                .append("## `correlator run` options\n\n")
                .append("| option | default | meaning |\n|---|---|---|\n")
                .append("| `--health-port PORT` | off | serve `/health/live`, `/health/ready` and `/metrics` ")
                .append("(Prometheus text); `0` picks a free port |\n")
                .append("| `--health-bind ADDRESS` | `127.0.0.1` | address of the health port (this machine only; ")
                .append("`0.0.0.0` in a container or for scrapers elsewhere) |\n")
                .append("| `--port [PORT]` | off (`8080` when given alone) | serve the web view and its JSON API ")
                .append("(`/`, `/api/incidents`, `/api/incidents/{id}`, `/api/timeline`); `0` picks a free port |\n")
                .append("| `--web-bind ADDRESS` | `127.0.0.1` | address of the web view (this machine only; ")
                .append("`0.0.0.0` to serve other machines; the API only answers GET and HEAD) |\n")
                .append("| `--advertised-host HOST` | the bind address or this machine's name | what other instances ")
                .append("call this one's web view (`application.server`) |\n")
                .append("| `--application-id ID` | `incident-correlator` | Kafka Streams `application.id` |\n")
                .append("| `--state-dir DIR` | a temp dir | local state |\n\n")
                .append("The web view keeps `incident-correlator.timeline.retention` of event time (above).\n\n")
                .append("- `/health/live`: 200 unless Kafka Streams is in ERROR (then restart the process).\n")
                .append("- `/health/ready`: 200 when Kafka Streams is RUNNING, no state store (global tables ")
                .append("included) is restoring, no stream thread is dead and the broker answered within ")
                .append("`readiness.broker-unreachable-after`; 503 otherwise, with the state, the restoring stores ")
                .append("and `reasons` (one sentence each). `incident_correlator_not_ready{reason}` is 1 for each ")
                .append("reason that holds: `streams_not_running`, `restoring`, `stream_thread_dead`, ")
                .append("`broker_unreachable`.\n")
                .append("- `/metrics`: `incident_correlator_dead_letter_records_total{reason,topic}` (reason ")
                .append("`deserialization`, `validation`, `late`, `inventory`), `incident_correlator_late_records_total{topic}`, ")
                .append("`incident_correlator_skipped_records_total{reason,topic}` (bad records of the global ")
                .append("tables, which Kafka Streams cannot dead-letter), ")
                .append("`incident_correlator_schema_registry_unavailable_total{topic}`, ")
                .append("`incident_correlator_incidents_emitted_total{category,status}`, `incident_correlator_restarts_beyond_horizon_total` (restarts that arrived more than `grace` behind event time: classified, but without the evidence that had expired), `incident_correlator_not_in_inventory_records_total{reason,topic}` (events no inventory record placed while they were held: reason `unknown-host`: a sample or backup, not routed; `unknown-cluster`, `unknown-node`: a restart, correlated without host evidence; either way the inventory is incomplete and the events of one gap and source topic given up together are ONE dead letter keyed `inventory:<reason>:<subject>`, their number in its `x-incident-correlator-count` header), `incident_correlator_inventory_hold_records_total{outcome,topic}` (outcome `held`, `released`, `expired`, `overflow`, `not-held`), ")
                .append("`incident_correlator_ready`, Kafka Streams' `kafka_streams_records_lag_max{consumer}`, ")
                .append("`kafka_streams_records_lag`, `kafka_streams_process_rate`, ")
                .append("`kafka_streams_process_records_total`, `kafka_streams_commits_total` (each a transaction; none while idle), `kafka_streams_dropped_records_total`, ")
                .append("`kafka_streams_alive_stream_threads`, and JVM metrics. Counters count processing: after an ")
                .append("aborted transaction (crash, rebalance) records are processed and counted again.\n\n")
                .append("## Dead-letter records\n\n")
                .append("Every dead letter carries `x-incident-correlator-error` (the reason), ")
                .append("`x-incident-correlator-source-topic`, `-source-partition`, `-source-offset` and ")
                .append("`-source-timestamp` headers and is stamped with the time it was rejected. Unreadable ")
                .append("records keep their raw key and value and also carry Kafka Streams' KIP-1034 headers ")
                .append("(`__streams.errors.exception`, `.message`, `.stacktrace`, `.topic`, `.partition`, ")
                .append("`.offset`); invalid and late records are the event as JSON. An inventory dead letter ")
                .append("(key `inventory:<reason>:<subject>`) stands for the events of one gap and source topic ")
                .append("given up together: the newest as JSON, how many in `x-incident-correlator-count`.\n");
        return md.toString();
    }

    private static String kafkaEnv(String key) {
        return "KAFKA_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }
}
