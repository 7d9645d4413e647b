package io.incidentcorrelator.serde;

/**
 * Config keys of the registry serde and clients. The names are Confluent's where Confluent has one, so an existing
 * producer/consumer/streams config works unchanged.
 */
public final class RegistrySerdeConfig {

    /** Registry URL: {@code http(s)://host:port} (comma-separated list: tried in order) or {@code mock://SCOPE}. Required. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

    /** Register the record's schema when serializing (default true); when false the schema must already be registered. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

    /** {@code user:password} for HTTP basic auth. Never logged. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

    /** Where basic auth credentials come from; only {@code USER_INFO} (the default) is supported. */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";

    /** TCP connect timeout in ms (default 5000). */
    public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";

    /** Timeout of one HTTP request in ms, until the response headers arrive (default 10000). */
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

    /** Trust store for an https registry whose certificate the JDK's default trust store does not cover. */
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";

    /** Password of {@link #SSL_TRUSTSTORE_LOCATION}, if it has one. Never logged. */
    public static final String SSL_TRUSTSTORE_PASSWORD_KEY = "schema.registry.ssl.truststore.password";

    /** Type of {@link #SSL_TRUSTSTORE_LOCATION}: PKCS12 (default) or JKS. */
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";

    /** Record class the key deserializer produces, when it is created by class name from config. */
    public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";

    /** Record class the value deserializer produces, when it is created by class name from config. */
    public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";

    private RegistrySerdeConfig() {
    }
}
