package io.incidentcorrelator.sinks;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.replay.ContractJson;
import io.incidentcorrelator.replay.IncidentJsonReader;
import io.incidentcorrelator.security.Scrubber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * POSTs every incident revision as contract JSON (the format of {@code replay} output) to a
 * URL; a retraction (tombstone) as {@code {"id": ..., "deleted": true}}. Headers:
 * {@code X-Incident-Correlator-Event} ({@code revision} or {@code retraction}),
 * {@code X-Incident-Correlator-Id}, {@code X-Incident-Correlator-Delivery} (unique per record,
 * for receivers that deduplicate: delivery is at least once) and, with a secret, the
 * signature {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.delivery.body">}: the time and the
 * delivery id are signed with the body, so a receiver can refuse a captured delivery replayed
 * later (too old) or twice (id already seen); see docs/consumers.md.
 */
public final class WebhookSink implements IncidentSink {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSink.class);

    public static final String DEFAULT_SIGNATURE_HEADER = "X-Incident-Correlator-Signature";

    private final URI url;
    private final HttpSender http;
    private final byte[] secret;
    private final String signatureHeader;
    private final BiPredicate<String, Incident> filter;
    private final Clock clock;
    private final String shownUrl;

    /**
     * @param secret the HMAC key, or null to send unsigned
     * @param filter which records to send (id, incident or null for a tombstone)
     */
    public WebhookSink(URI url, HttpSender http, String secret, String signatureHeader,
                       BiPredicate<String, Incident> filter) {
        this(url, http, secret, signatureHeader, filter, Clock.systemUTC());
    }

    public WebhookSink(URI url, HttpSender http, String secret, String signatureHeader,
                       BiPredicate<String, Incident> filter, Clock clock) {
        this.url = Objects.requireNonNull(url, "url");
        this.http = Objects.requireNonNull(http, "http");
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        this.signatureHeader = Objects.requireNonNull(signatureHeader, "signatureHeader");
        this.filter = Objects.requireNonNull(filter, "filter");
        this.clock = Objects.requireNonNull(clock, "clock");
        // Chat webhooks carry their token in the path or query: only scheme, host and port are ever shown.
        this.shownUrl = Scrubber.url(url);
    }

    @Override
    public void accept(String id, Incident incident, String delivery) throws InterruptedException {
        if (!filter.test(id, incident)) {
            return;
        }
        final String body = incident == null ? IncidentJsonReader.tombstoneLine(id) : ContractJson.toJsonLine(incident);
        final HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json")
                .header("User-Agent", "incident-correlator")
                .header("X-Incident-Correlator-Event", incident == null ? "retraction" : "revision")
                .header("X-Incident-Correlator-Id", id)
                .header("X-Incident-Correlator-Delivery", delivery)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (secret != null) {
            // Signed once: a retry of the same delivery carries the same timestamp, as a receiver's
            // tolerance must cover the retries anyway.
            request.header(signatureHeader, signature(secret, clock.instant().getEpochSecond(), delivery,
                    body.getBytes(StandardCharsets.UTF_8)));
        }
        final HttpResponse<String> response = http.send(request, "POST " + shownUrl);
        if (response.statusCode() == 404) {
            throw new SinkException("POST " + shownUrl + ": HTTP 404: no receiver at that URL");
        }
        if (response.statusCode() / 100 != 2) {
            // The receiver refused this payload; the next one may pass, so do not stop the sink for it.
            LOG.warn("POST {}: HTTP {} {} for {} (delivery {}), skipped", shownUrl, response.statusCode(),
                    HttpSender.abbreviate(response.body()), id, delivery);
        }
    }

    /**
     * {@code t=<epochSeconds>,v1=<hex HMAC-SHA256 over "<t>.<delivery>.<body>">}, as Stripe-style
     * receivers check it.
     */
    public static String signature(byte[] key, long epochSeconds, String delivery, byte[] body) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((epochSeconds + "." + delivery + ".").getBytes(StandardCharsets.UTF_8));
            return "t=" + epochSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
