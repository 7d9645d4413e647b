package io.incidentcorrelator.serde;

import io.incidentcorrelator.security.TrustStores;

import com.fasterxml.jackson.databind.JsonNode;
import io.incidentcorrelator.serde.internal.ConfigValues;
import io.incidentcorrelator.serde.internal.ErrorCodes;
import io.incidentcorrelator.serde.internal.RegistryJson;
import io.incidentcorrelator.security.Scrubber;
import io.incidentcorrelator.serde.internal.Urls;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to a Confluent-compatible schema registry over HTTP(S): Confluent Schema Registry, Karapace, or Apicurio's
 * ccompat endpoint ({@code http://host:8080/apis/ccompat/v7}).
 *
 * <p>Connection failures and 5xx answers are retried a few times with a short backoff, trying each configured URL in
 * order; then one {@link SchemaRegistryException} says what failed. 4xx answers are not retried. TLS certificates are
 * always verified. Config keys: see {@link RegistrySerdeConfig}.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);

    static final int MAX_ATTEMPTS = 3;
    private static final long BACKOFF_MS = 100;
    private static final String ACCEPT =
            "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private final List<String> baseUrls;
    private final String displayUrl;
    private final String authorization;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final HttpClient http;

    /** A client with default timeouts and no authentication. */
    public HttpSchemaRegistryClient(String urls) {
        this(urls, Map.of());
    }

    /**
     * @param urls   one {@code http(s)://} URL, or several separated by commas (tried in order)
     * @param config optional settings: {@link RegistrySerdeConfig#BASIC_AUTH_USER_INFO}, timeouts, trust store
     */
    public HttpSchemaRegistryClient(String urls, Map<String, ?> config) {
        final List<String> given = Urls.split(urls);
        if (given.isEmpty()) {
            throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, urls, "no schema registry URL given");
        }
        for (String url : given) {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, Urls.redact(url),
                        "expected an http:// or https:// URL");
            }
        }
        this.displayUrl = String.join(",", given.stream().map(Urls::redact).toList());
        // The JDK client ignores a URL's user:password@; used as basic auth here rather than dropped silently.
        final String urlUserInfo = userInfoOf(given);
        this.baseUrls = given.stream().map(HttpSchemaRegistryClient::withoutUserInfo).toList();
        final String configured = basicAuthorization(config);
        if (urlUserInfo != null && configured != null) {
            throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, displayUrl, "has user:password@ and "
                    + RegistrySerdeConfig.BASIC_AUTH_USER_INFO + " is set too: give the credentials once");
        }
        this.authorization = urlUserInfo != null ? basic(urlUserInfo) : configured;
        this.connectTimeout =
                Duration.ofMillis(ConfigValues.positiveLong(config, RegistrySerdeConfig.CONNECT_TIMEOUT_MS, 5_000));
        this.requestTimeout =
                Duration.ofMillis(ConfigValues.positiveLong(config, RegistrySerdeConfig.REQUEST_TIMEOUT_MS, 10_000));
        final HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                // Never follow redirects: the Authorization header must not travel to another host.
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1);
        final SSLContext ssl = sslContext(config);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        this.http = builder.build();
    }

    @Override
    public int register(String subject, Schema schema) {
        final String doing = "registering subject " + subject;
        final JsonNode body = call("POST", "/subjects/" + Urls.encodeSegment(subject) + "/versions",
                RegistryJson.schemaRequest(schema), doing);
        return requireInt(body, "id", doing);
    }

    @Override
    public int lookupId(String subject, Schema schema) {
        final String doing = "looking up schema " + schema.getFullName() + " in subject " + subject;
        final JsonNode body = call("POST", "/subjects/" + Urls.encodeSegment(subject), RegistryJson.schemaRequest(schema),
                doing);
        return requireInt(body, "id", doing);
    }

    @Override
    public Schema schemaById(int id) {
        final String doing = "fetching schema id " + id;
        final JsonNode body = call("GET", "/schemas/ids/" + id, null, doing);
        final JsonNode type = body.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equalsIgnoreCase(type.asText())) {
            throw new SchemaRegistryException("Schema registry " + displayUrl + " returned a " + type.asText()
                    + " schema, not Avro (" + doing + ")", 200, SchemaRegistryException.NONE, null, null);
        }
        final JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw malformed("no \"schema\" field", doing);
        }
        try {
            return new Schema.Parser().parse(schema.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("Schema registry " + displayUrl + " returned a schema Avro cannot parse: "
                    + e.getMessage() + " (" + doing + ")", 200, SchemaRegistryException.NONE, null, e);
        }
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        final String doing = "checking compatibility with subject " + subject;
        final JsonNode body;
        try {
            body = call("POST", "/compatibility/subjects/" + Urls.encodeSegment(subject) + "/versions/latest",
                    RegistryJson.schemaRequest(schema), doing);
        } catch (SchemaRegistryException e) {
            // Older Confluent versions answer 404 instead of true when there is nothing to be compatible with yet.
            if (e.errorCode() == ErrorCodes.SUBJECT_NOT_FOUND || e.errorCode() == ErrorCodes.VERSION_NOT_FOUND) {
                return true;
            }
            throw e;
        }
        final JsonNode compatible = body.get("is_compatible");
        if (compatible == null || !compatible.isBoolean()) {
            throw malformed("no boolean \"is_compatible\" field", doing);
        }
        return compatible.asBoolean();
    }

    @Override
    public String url() {
        return displayUrl;
    }

    @Override
    public String toString() {
        return "HttpSchemaRegistryClient[" + displayUrl + (authorization != null ? ", basic auth: [hidden]" : "") + "]";
    }

    @Override
    public void close() {
        // HttpClient only gained close() in Java 21; on 17 its threads end once it is unreachable.
    }

    private JsonNode call(String method, String path, String body, String doing) {
        Outcome last = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            for (String baseUrl : baseUrls) {
                final Outcome outcome = attempt(baseUrl, method, path, body, doing);
                if (outcome.result != null) {
                    return outcome.result;
                }
                if (!outcome.retriable) {
                    throw outcome.exception;
                }
                last = outcome;
                LOG.debug("Schema registry call failed (attempt {} of {}): {}", attempt, MAX_ATTEMPTS,
                        outcome.exception.getMessage());
            }
            if (attempt < MAX_ATTEMPTS) {
                sleep(BACKOFF_MS * attempt, doing);
            }
        }
        throw Objects.requireNonNull(last).exception;
    }

    /** The outcome of one request: a parsed body, or an exception and whether trying again could help. */
    private record Outcome(JsonNode result, SchemaRegistryException exception, boolean retriable) {
        static Outcome ok(JsonNode result) {
            return new Outcome(result, null, false);
        }
    }

    private Outcome attempt(String baseUrl, String method, String path, String body, String doing) {
        final String shown = Urls.redact(baseUrl);
        final HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(requestTimeout)
                    .header("Accept", ACCEPT);
        } catch (IllegalArgumentException e) {
            return new Outcome(null, new SchemaRegistryException("Schema registry URL " + shown + " is not valid: "
                    + e.getMessage() + " (" + doing + ")", SchemaRegistryException.NONE, SchemaRegistryException.NONE,
                    null, null), false);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", RegistryJson.CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }

        final HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            final String why = "Connect timed out after " + connectTimeout.toMillis() + " ms";
            return new Outcome(null, unreachable(shown, why, doing, e), true);
        } catch (HttpTimeoutException e) {
            // Not retried: the registry is there but slow, and waiting three times as long rarely helps.
            return new Outcome(null, new SchemaRegistryException("Schema registry " + shown + " did not answer within "
                    + requestTimeout.toMillis() + " ms (" + doing + ")", SchemaRegistryException.NONE,
                    SchemaRegistryException.NONE, null, e), false);
        } catch (ConnectException e) {
            return new Outcome(null, unreachable(shown, rootMessage(e, "Connection refused"), doing, e), true);
        } catch (SSLException e) {
            // Certificate or protocol problems do not go away by trying again.
            return new Outcome(null, new SchemaRegistryException("Schema registry " + shown + " failed the TLS handshake: "
                    + rootMessage(e, e.getClass().getSimpleName()) + " (" + doing + ")", SchemaRegistryException.NONE,
                    SchemaRegistryException.NONE, null, e), false);
        } catch (IOException e) {
            final boolean unresolved = hasCause(e, UnresolvedAddressException.class);
            final String why = unresolved ? "Unknown host" : rootMessage(e, "I/O error");
            return new Outcome(null, unreachable(shown, why, doing, e), !unresolved);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while calling schema registry " + shown + " (" + doing + ")",
                    SchemaRegistryException.NONE, SchemaRegistryException.NONE, null, e);
        }

        final int status = response.statusCode();
        final JsonNode json = RegistryJson.parseOrNull(response.body());
        if (status >= 200 && status < 300) {
            if (json == null) {
                return new Outcome(null, malformed("not JSON", doing), false);
            }
            return Outcome.ok(json);
        }
        return new Outcome(null, httpError(shown, status, json, response.body(), doing), status >= 500);
    }

    private static SchemaRegistryException httpError(String shown, int status, JsonNode json, String rawBody, String doing) {
        int errorCode = SchemaRegistryException.NONE;
        String registryMessage = null;
        if (json != null && json.isObject()) {
            if (json.path("error_code").canConvertToInt()) {
                errorCode = json.path("error_code").asInt();
            }
            if (json.hasNonNull("message")) {
                registryMessage = Scrubber.scrub(json.get("message").asText());
            }
        }
        final StringBuilder message = new StringBuilder("Schema registry ").append(shown).append(" answered HTTP ").append(status);
        if (errorCode != SchemaRegistryException.NONE) {
            message.append(", error_code ").append(errorCode);
        }
        if (registryMessage != null) {
            message.append(": ").append(registryMessage);
        } else if (rawBody != null && !rawBody.isBlank()) {
            // Show a little of a non-JSON body (e.g. a proxy's error page), on one line.
            final String oneLine = Scrubber.scrub(rawBody).replaceAll("\\s+", " ").trim();
            message.append(": ").append(oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine);
        }
        message.append(" (").append(doing).append(')');
        return new SchemaRegistryException(message.toString(), status, errorCode, registryMessage, null);
    }

    private static SchemaRegistryException unreachable(String shown, String why, String doing, Throwable cause) {
        return new SchemaRegistryException("Schema registry " + shown + " is unreachable: " + Scrubber.scrub(why)
                + " (" + doing + ")",
                SchemaRegistryException.NONE, SchemaRegistryException.NONE, null, cause);
    }

    private SchemaRegistryException malformed(String what, String doing) {
        return new SchemaRegistryException("Schema registry " + displayUrl + " gave an unexpected answer: " + what
                + " (" + doing + ")", SchemaRegistryException.NONE, SchemaRegistryException.NONE, null, null);
    }

    private int requireInt(JsonNode body, String field, String doing) {
        final JsonNode value = body.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw malformed("no numeric \"" + field + "\" field", doing);
        }
        return value.asInt();
    }

    /** The JDK (17) reports a refused connection as ConnectException without any message, hence the fallback. */
    private static String rootMessage(Throwable e, String fallback) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message != null ? message : fallback;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private void sleep(long millis, String doing) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while waiting to retry schema registry " + displayUrl + " ("
                    + doing + ")", SchemaRegistryException.NONE, SchemaRegistryException.NONE, null, e);
        }
    }

    private static String basicAuthorization(Map<String, ?> config) {
        final String source = ConfigValues.string(config, RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
        final String userInfo = ConfigValues.string(config, RegistrySerdeConfig.BASIC_AUTH_USER_INFO, null);
        if (userInfo == null) {
            return null;
        }
        if (!"USER_INFO".equalsIgnoreCase(source)) {
            throw new ConfigException(RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, source,
                    "only USER_INFO is supported");
        }
        if (userInfo.indexOf(':') < 0) {
            // Do not echo the value: it may be a password typed into the wrong field.
            throw new ConfigException(RegistrySerdeConfig.BASIC_AUTH_USER_INFO + " must have the form user:password");
        }
        return basic(userInfo);
    }

    private static String basic(String userInfo) {
        final int colon = userInfo.indexOf(':');
        Scrubber.registerBasic(userInfo.substring(0, colon), userInfo.substring(colon + 1));
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** The decoded {@code user:password} of the URLs (all the same), or null when none has one. */
    private static String userInfoOf(List<String> urls) {
        String found = null;
        boolean without = false;
        for (String url : urls) {
            final String info = URI.create(url).getUserInfo();
            if (info == null) {
                without = true;
            } else if (info.indexOf(':') < 0) {
                throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, Urls.redact(url),
                        "user info must have the form user:password");
            } else if (found != null && !found.equals(info)) {
                throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, String.join(",",
                        urls.stream().map(Urls::redact).toList()), "the URLs carry different user:password@");
            } else {
                found = info;
            }
        }
        if (found != null && without) {
            throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, String.join(",",
                    urls.stream().map(Urls::redact).toList()), "some URLs carry user:password@ and some do not");
        }
        return found;
    }

    private static String withoutUserInfo(String url) {
        final URI uri = URI.create(url);
        return uri.getRawUserInfo() == null ? url : url.replaceFirst("//[^/@]*@", "//");
    }

    private static SSLContext sslContext(Map<String, ?> config) {
        final String location = ConfigValues.string(config, RegistrySerdeConfig.SSL_TRUSTSTORE_LOCATION, null);
        if (location == null) {
            return null; // the JDK default trust store, with hostname verification
        }
        final String password = ConfigValues.string(config, RegistrySerdeConfig.SSL_TRUSTSTORE_PASSWORD_KEY, null);
        final String type = ConfigValues.string(config, RegistrySerdeConfig.SSL_TRUSTSTORE_TYPE, "PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            final KeyStore trustStore = KeyStore.getInstance(type);
            trustStore.load(in, password == null ? null : password.toCharArray());
            return TrustStores.trusting(trustStore);
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException("Cannot load schema registry trust store " + location + " (type " + type + "): "
                    + e.getMessage());
        }
    }
}
