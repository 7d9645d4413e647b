package io.incidentcorrelator.serde;

import org.apache.avro.Schema;

/**
 * The four schema registry operations a Confluent-framed Avro serde needs.
 *
 * <p>Implementations: {@link HttpSchemaRegistryClient} (Confluent, Karapace, Apicurio ccompat) and
 * {@link InMemorySchemaRegistry} (tests, embedded mode). Obtain one with {@link SchemaRegistries#forUrl}.
 * All methods throw {@link SchemaRegistryException} on failure.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} (or finds it if already there) and returns its global id. */
    int register(String subject, Schema schema);

    /** Returns the id of {@code schema} under {@code subject}; fails with a 404-like exception when it is not registered. */
    int lookupId(String subject, Schema schema);

    /** Returns the schema with the given global id; fails with a 404-like exception when there is none. */
    Schema schemaById(int id);

    /**
     * Whether {@code schema} could be registered under {@code subject} given the latest version there and the
     * registry's compatibility setting. True when the subject does not exist yet.
     */
    boolean isCompatible(String subject, Schema schema);

    /** The registry's address for messages, with any credentials removed. */
    String url();

    @Override
    default void close() {
        // nothing to release by default
    }
}
