package io.incidentcorrelator.serde;

import io.incidentcorrelator.serde.internal.Urls;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigException;

/**
 * Creates a {@link SchemaRegistryClient} from a {@code schema.registry.url}.
 *
 * <ul>
 *   <li>{@code mock://SCOPE}: the process-wide {@link InMemorySchemaRegistry} of that scope (Confluent's convention), so
 *       a producer and a consumer configured with the same URL see the same schemas.</li>
 *   <li>{@code http://...}, {@code https://...} (comma-separated list allowed): an {@link HttpSchemaRegistryClient}.</li>
 * </ul>
 */
public final class SchemaRegistries {

    public static final String MOCK_SCHEME = "mock://";

    private static final Map<String, InMemorySchemaRegistry> MOCK_SCOPES = new ConcurrentHashMap<>();

    private SchemaRegistries() {
    }

    /**
     * @param url    {@code mock://SCOPE} or one or more {@code http(s)://} URLs
     * @param config further settings for the HTTP client (see {@link RegistrySerdeConfig}); ignored for {@code mock://}
     */
    public static SchemaRegistryClient forUrl(String url, Map<String, ?> config) {
        if (url == null || url.isBlank()) {
            throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL + " is not set");
        }
        final String trimmed = url.trim();
        if (trimmed.startsWith(MOCK_SCHEME)) {
            return mockScope(trimmed.substring(MOCK_SCHEME.length()));
        }
        if (Urls.split(trimmed).stream().anyMatch(u -> u.startsWith(MOCK_SCHEME))) {
            throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, Urls.redact(trimmed),
                    "a mock:// URL cannot be combined with others");
        }
        return new HttpSchemaRegistryClient(trimmed, config == null ? Map.of() : config);
    }

    /** The shared in-memory registry of {@code scope}, created on first use. */
    public static InMemorySchemaRegistry mockScope(String scope) {
        final String name = scope == null ? "" : scope.trim();
        if (name.isEmpty()) {
            throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, MOCK_SCHEME,
                    "a mock:// URL needs a scope name, e.g. mock://tests");
        }
        return MOCK_SCOPES.computeIfAbsent(name, n -> new InMemorySchemaRegistry(MOCK_SCHEME + n));
    }

    /** Forgets the registry of {@code scope}; the next use of {@code mock://scope} starts empty. For test isolation. */
    public static void dropMockScope(String scope) {
        MOCK_SCOPES.remove(scope);
    }
}
