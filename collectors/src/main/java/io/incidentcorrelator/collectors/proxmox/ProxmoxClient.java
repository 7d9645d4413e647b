package io.incidentcorrelator.collectors.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.collectors.internal.HttpClients;
import io.incidentcorrelator.security.Scrubber;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
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
    private final SSLContext ssl;
    private final boolean insecure;

    public ProxmoxClient(ProxmoxConfig config) {
        Objects.requireNonNull(config, "config");
        final String base = config.apiUrl().toString().replaceAll("/+$", "");
        this.apiBase = URI.create(base.endsWith("/api2/json") ? base : base + "/api2/json");
        this.token = config.token();
        this.requestTimeout = config.requestTimeout();
        this.ssl = HttpClients.sslContext(config.tls());
        this.insecure = config.tls().insecure();
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
        final String what = "GET " + path + " on " + apiBase.getAuthority();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        final int status;
        final String reason;
        final String body;
        try {
            // HttpURLConnection, not java.net.http: only it gives the status line's reason phrase,
            // which is where pveproxy puts the cause of a 500 ("unable to open file ...").
            final HttpURLConnection http = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            if (http instanceof HttpsURLConnection https) {
                if (ssl != null) {
                    https.setSSLSocketFactory(ssl.getSocketFactory());
                }
                if (insecure) {
                    https.setHostnameVerifier((host, session) -> true);
                }
            }
            http.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis()));
            http.setReadTimeout((int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis()));
            http.setInstanceFollowRedirects(false);
            http.setRequestProperty("Authorization", token.authorizationHeader());
            http.setRequestProperty("Accept", "application/json");
            try {
                status = http.getResponseCode();
                reason = blankToNull(http.getResponseMessage());
                body = readBody(http, status, what);
            } finally {
                http.disconnect();
            }
        } catch (SocketTimeoutException e) {
            final boolean connecting = String.valueOf(e.getMessage()).contains("connect");
            throw new ProxmoxApiException(connecting ? ProxmoxApiException.Kind.CONNECT : ProxmoxApiException.Kind.TIMEOUT,
                    0, what + (connecting ? ": connect timed out after " : ": no answer within ")
                    + seconds(requestTimeout), e);
        } catch (ConnectException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.CONNECT, 0,
                    what + ": cannot connect (" + message(e) + "); is pveproxy up and the URL's port right (8006)?", e);
        } catch (SSLException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.TLS, 0, what + ": TLS handshake with "
                    + apiBase.getAuthority() + " failed (" + message(e) + "); if the node uses its own CA, "
                    + "pass its certificate as the CA file (/etc/pve/pve-root-ca.pem)", e);
        } catch (TruncatedBody e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.BAD_RESPONSE, 200, e.getMessage(), e);
        } catch (IOException e) {
            if (e.getCause() instanceof SSLException ssl) {
                throw new ProxmoxApiException(ProxmoxApiException.Kind.TLS, 0, what + ": TLS handshake with "
                        + apiBase.getAuthority() + " failed (" + message(ssl) + ")", e);
            }
            throw new ProxmoxApiException(ProxmoxApiException.Kind.IO, 0, what + ": " + message(e), e);
        }
        final String statusLine = "HTTP " + status + (reason == null ? "" : " " + reason);
        if (status == 401) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.AUTH, status, what + ": " + statusLine
                    + ", authentication failed for token " + token.tokenId()
                    + " (wrong id or secret, expired, or the user is disabled)", null);
        }
        if (status == 403) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.FORBIDDEN, status, what + ": " + statusLine
                    + ", token " + token.tokenId() + " lacks a permission (Sys.Audit / VM.Audit)", null);
        }
        if (status >= 500) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.SERVER, status,
                    what + ": " + statusLine + excerpt(body), null);
        }
        if (status != 200) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.CLIENT, status,
                    what + ": " + statusLine + (status == 404 ? " (wrong node name, or not a Proxmox VE API URL?)" : "")
                            + excerpt(body), null);
        }
        final JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.BAD_RESPONSE, status,
                    what + ": answer is not JSON (" + firstLine(e.getMessage()) + ")" + excerpt(body), e);
        }
        if (root == null || !root.isObject() || !root.has("data")) {
            throw new ProxmoxApiException(ProxmoxApiException.Kind.BAD_RESPONSE, status,
                    what + ": answer has no \"data\" member" + excerpt(body), null);
        }
        return root.get("data");
    }

    /** A body shorter than its Content-Length: the connection ended mid-answer. */
    private static final class TruncatedBody extends IOException {
        TruncatedBody(String message) {
            super(message);
        }
    }

    private static String readBody(HttpURLConnection http, int status, String what) throws IOException {
        final InputStream in = status >= 400 ? http.getErrorStream() : http.getInputStream();
        if (in == null) {
            return "";
        }
        final byte[] bytes;
        try (in) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("EOF")) {
                throw new TruncatedBody(what + ": truncated body (" + message(e) + ")");
            }
            throw e;
        }
        final long expected = http.getContentLengthLong();
        if (expected > bytes.length) {
            throw new TruncatedBody(what + ": truncated body: " + bytes.length + " of " + expected + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.strip().lines().findFirst().orElse("");
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
