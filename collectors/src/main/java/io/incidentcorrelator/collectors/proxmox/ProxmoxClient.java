package io.incidentcorrelator.collectors.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.collectors.internal.HttpClients;
import io.incidentcorrelator.security.Scrubber;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * A small read-only client for the Proxmox VE API ({@code /api2/json}). Every answer is
 * {@code {"data": ...}}; {@link #get} returns what is under {@code data}.
 *
 * <p>Authentication is the API token header; there is no ticket/cookie login. Errors come back as
 * {@link ProxmoxApiException}s whose messages say what to fix and never carry the secret.
 */
public final class ProxmoxClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 200;

    private final URI apiBase;
    private final ApiToken token;
    private final Duration requestTimeout;
    private final HttpClient http;

    public ProxmoxClient(ProxmoxConfig config) {
        Objects.requireNonNull(config, "config");
        final String base = config.apiUrl().toString().replaceAll("/+$", "");
        this.apiBase = URI.create(base.endsWith("/api2/json") ? base : base + "/api2/json");
        this.token = config.token();
        this.requestTimeout = config.requestTimeout();
        this.http = HttpClients.create(config.tls(), config.requestTimeout());
    }

    /** The API base, e.g. {@code https://pve1:8006/api2/json}; safe to log. */
    public URI apiBase() {
        return apiBase;
    }

    /**
     * GETs {@code path} (relative to {@code /api2/json}, segments already encoded with
     * {@link #segment}) with the given query parameters.
     *
     * @return the {@code data} member of the answer (may be a JSON null)
     */
    public JsonNode get(String path, Map<String, String> query) throws ProxmoxApiException, InterruptedException {
        final URI uri = URI.create(apiBase + path + queryString(query));
        final HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Authorization", token.authorizationHeader())
                .header("Accept", "application/json")
                .GET()
                .build();
        final String what = "GET " + path;
        final HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.CONNECT, 0,
                    what + ": connect timed out after " + seconds(requestTimeout), e);
        } catch (HttpTimeoutException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.TIMEOUT, 0,
                    what + ": no answer within " + seconds(requestTimeout), e);
        } catch (ConnectException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.CONNECT, 0,
                    what + ": cannot connect to " + apiBase.getAuthority() + " (" + message(e) + ")", e);
        } catch (SSLException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.TLS, 0, what + ": TLS handshake with "
                    + apiBase.getAuthority() + " failed (" + message(e) + "); if the node uses its own CA, "
                    + "pass its certificate as the CA file (/etc/pve/pve-root-ca.pem)", e);
        } catch (IOException e) {
            if (e.getCause() instanceof SSLException ssl) {
                throw new ProxmoxApiException(ProxmoxApiException.Kind.TLS, 0, what + ": TLS handshake with "
                        + apiBase.getAuthority() + " failed (" + message(ssl) + ")", e);
            }
            throw new ProxmoxApiException(ProxmoxApiException.Kind.IO, 0, what + ": " + message(e), e);
        }
        final int status = response.statusCode();
        if (status == 401) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.AUTH, status, what
                    + ": HTTP 401, authentication failed for token " + token.tokenId()
                    + " (wrong id or secret, expired, or the user is disabled)", null);
        }
        if (status == 403) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.FORBIDDEN, status, what
                    + ": HTTP 403, token " + token.tokenId() + " lacks a permission (Sys.Audit / VM.Audit)", null);
        }
        if (status >= 500) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.SERVER, status,
                    what + ": HTTP " + status + excerpt(response.body()), null);
        }
        if (status != 200) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.CLIENT, status,
                    what + ": HTTP " + status + excerpt(response.body()), null);
        }
        final JsonNode root;
        try {
            root = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.BAD_RESPONSE, status,
                    what + ": answer is not JSON" + excerpt(response.body()), e);
        }
        if (root == null || !root.isObject() || !root.has("data")) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.BAD_RESPONSE, status,
                    what + ": answer has no \"data\" member" + excerpt(response.body()), null);
        }
        return root.get("data");
    }

    /** Percent-encodes one path segment (node names, UPIDs with their colons and '@'). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String queryString(Map<String, String> query) {
        if (query == null || query.isEmpty()) {
            return "";
        }
        final StringJoiner q = new StringJoiner("&", "?", "");
        query.forEach((k, v) -> q.add(segment(k) + "=" + segment(v)));
        return q.toString();
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        // A proxy that echoes the request would show the token: scrubbed before it is cut.
        final String oneLine = Scrubber.scrub(body).replaceAll("\\s+", " ").trim();
        return ": " + (oneLine.length() > MAX_BODY_IN_MESSAGE ? oneLine.substring(0, MAX_BODY_IN_MESSAGE) + "..." : oneLine);
    }

    private static String message(Throwable e) {
        final String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
