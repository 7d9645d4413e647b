package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Where Kafka and the registry are, and where the settings come from; shared by the subcommands. */
final class ClusterOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file (incident-correlator.*, kafka.*, schema.registry.* keys). "
                    + "Environment variables INCIDENT_CORRELATOR_* and KAFKA_* override it. `run` also takes a "
                    + "homelab file (*.yaml, deploy/homelab.example.yaml): the box and the collectors and sinks to "
                    + "run in its process.")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "An existing Kafka cluster instead of the embedded broker (or KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "A Confluent-compatible schema registry (Confluent, Karapace, Apicurio ccompat) instead of "
                    + "the in-process one (or INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    ConfigLoader load() {
        if (configFile != null && io.incidentcorrelator.homelab.HomelabFile.isHomelabFile(configFile)) {
            throw new io.incidentcorrelator.config.ConfigLoader.ConfigException(configFile + " is a homelab file: "
                    + "only `run` reads it (expected here: a properties file of incident-correlator.*, kafka.* and "
                    + "schema.registry.* settings)");
        }
        return ConfigLoader.load(configFile, System.getenv());
    }

    /** The cluster to use: the flag, else the configuration, else null (embedded). */
    String bootstrap(ConfigLoader config) {
        return bootstrapServers != null ? bootstrapServers : config.kafkaSettings().get("bootstrap.servers");
    }

    String registryUrl(ConfigLoader config) {
        return schemaRegistryUrl != null ? schemaRegistryUrl : config.registrySettings().get("schema.registry.url");
    }

    /** Kafka client settings plus registry settings, without the bootstrap servers (passed separately). */
    Map<String, String> clientOverrides(ConfigLoader config) {
        final Map<String, String> all = new HashMap<>(config.kafkaSettings());
        all.remove("bootstrap.servers");
        all.putAll(config.registrySettings());
        all.remove("schema.registry.url");
        return all;
    }
}
