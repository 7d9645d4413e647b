package io.incidentcorrelator.sinks;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.security.TrustStores;
import io.incidentcorrelator.security.Scrubber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * HTTP for the sinks: one client (TLS verification always on, optionally against a private
 * CA instead of the JDK's), an optional {@code Authorization} header, and retries with
 * exponential backoff on what may pass (connection failures, timeouts, 408, 429, 5xx).
 */
public final class HttpSender {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSender.class);

    /**
     * A 4xx that no retry can fix and that every later request would get too: the sink's
     * settings are wrong. (404 is the caller's to judge: for Alertmanager it can mean "that
     * silence is gone".)
     */
    private static final Set<Integer> FATAL = Set.of(401, 403, 405);

    /**
     * @param maxAttempts    tries per request, the first included
     * @param initialBackoff wait after the first failure, doubled after each further one
     */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        public Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("max attempts must be at least 1, was " + maxAttempts);
            }
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
        }

        public static Retry defaults() {
            return new Retry(6, Duration.ofSeconds(1), Duration.ofSeconds(30));
        }
    }

    private final HttpClient client;
    private final String authorization;
    private final Retry retry;
    private final Duration requestTimeout;

    /** @param authorization the {@code Authorization} header value, or null */
    public HttpSender(HttpClient client, String authorization, Retry retry, Duration requestTimeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.authorization = authorization;
        this.retry = Objects.requireNonNull(retry, "retry");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /** A client that verifies certificates against {@code caFile} (PEM, one or more) or, when null, the JDK's trust store. */
    public static HttpClient client(Path caFile, Duration connectTimeout) {
        final HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (caFile != null) {
            builder.sslContext(trusting(caFile));
        }
        return builder.build();
    }

    private static SSLContext trusting(Path caFile) {
        try {
            return TrustStores.fromPem(caFile);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException("Cannot use CA file " + caFile + ": " + e.getMessage());
        }
    }

    public static String basicAuth(String user, String password) {
        Scrubber.registerBasic(user, password);
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public static String bearer(String token) {
        Scrubber.register(token);
        return "Bearer " + token;
    }

    /**
     * Sends the request, retrying as the {@link Retry} says.
     *
     * @param what names the request in log lines and errors, e.g. {@code "POST /api/v2/silences"}
     * @return the response: 2xx or a 4xx the caller decides about (a 3xx is retried like a 5xx:
     *         redirects are not followed, so the Authorization header never leaves for another host)
     * @throws SinkException when retries are used up, or on 401/403/405 (bad settings)
     */
    public HttpResponse<String> send(HttpRequest.Builder request, String what) throws InterruptedException {
        return send(request, what, response -> false);
    }

    /**
     * As {@link #send(HttpRequest.Builder, String)}, but a response {@code isAnswer} accepts is
     * returned at once whatever its status: an error the caller understands is not retried.
     */
    public HttpResponse<String> send(HttpRequest.Builder request, String what,
                                     Predicate<HttpResponse<String>> isAnswer) throws InterruptedException {
        request.timeout(requestTimeout);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        final HttpRequest built = request.build();
        Duration backoff = retry.initialBackoff();
        for (int attempt = 1; ; attempt++) {
            String failure;
            Duration wait = backoff;
            try {
                final HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString());
                final int status = response.statusCode();
                final boolean redirect = status >= 300 && status < 400;
                if (isAnswer.test(response) || status < 300
                        || (status >= 400 && status < 500 && status != 408 && status != 429 && !FATAL.contains(status))) {
                    if (attempt > 1) {
                        LOG.info("{}: {} after {} attempts", what, status, attempt);
                    }
                    return response;
                }
                if (FATAL.contains(status)) {
                    throw new SinkException(what + ": HTTP " + status + " " + abbreviate(response.body())
                            + " (check the credentials and the URL)");
                }
                failure = redirect
                        ? "HTTP " + status + " redirect" + response.headers().firstValue("Location")
                                .map(l -> " to " + Scrubber.url(l)).orElse("")
                                + " (not followed: correct the URL)"
                        : "HTTP " + status + " " + abbreviate(response.body());
                wait = retryAfter(response, backoff);
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + Scrubber.scrub(e.getMessage()));
            }
            if (attempt >= retry.maxAttempts()) {
                throw new SinkException(what + ": failed " + attempt + " times, last: " + failure);
            }
            LOG.warn("{}: {}; attempt {} of {}, next in {} ms", what, failure, attempt, retry.maxAttempts(),
                    wait.toMillis());
            Thread.sleep(wait.toMillis());
            backoff = min(backoff.multipliedBy(2), retry.maxBackoff());
        }
    }

    /** A receiver that says when to come back (429, 503) is believed, within the maximum backoff. */
    private Duration retryAfter(HttpResponse<?> response, Duration backoff) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return min(Duration.ofSeconds(Long.parseLong(v.trim())), retry.maxBackoff());
            } catch (NumberFormatException httpDate) {
                return backoff;
            }
        }).orElse(backoff);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static String abbreviate(String body) {
        // Scrubbed before it is cut: a receiver or proxy that echoes the request shows its credentials.
        final String oneLine = body == null ? "" : Scrubber.scrub(body).strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }
}
