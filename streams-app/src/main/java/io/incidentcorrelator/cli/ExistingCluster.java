package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.TopicNames;

import java.util.Map;

/**
 * A running cluster and registry, for the commands that read what {@code run} writes
 * ({@code incidents tail}, the sinks): unlike replay they have no embedded fallback.
 */
record ExistingCluster(String bootstrapServers, SchemaRegistryClient registry, String incidentsTopic,
                       Map<String, String> clientOverrides, TopicNames topics) {

    static ExistingCluster from(ClusterOptions options) {
        final ConfigLoader config = options.load();
        final String bootstrap = options.bootstrap(config);
        if (bootstrap == null) {
            throw new ConfigException("no Kafka cluster: give --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS");
        }
        final String registryUrl = options.registryUrl(config);
        if (registryUrl == null) {
            throw new ConfigException("no schema registry: give --schema-registry-url or "
                    + "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL");
        }
        final Map<String, String> overrides = options.clientOverrides(config);
        return new ExistingCluster(bootstrap, SchemaRegistries.forUrl(registryUrl, overrides),
                config.correlatorConfig().topics().incidents(), overrides, config.correlatorConfig().topics());
    }
}
