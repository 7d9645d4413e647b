package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.security.Scrubber;
import io.incidentcorrelator.sinks.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.incidentcorrelator.sinks.WebhookSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code correlator sink webhook}: every revision as JSON to a URL. */
@Command(name = "webhook",
        mixinStandardHelpOptions = true,
        description = {
                "POSTs every incident revision to a URL, signed.",
                "POSTs every incident revision as contract JSON (replay's output format) to a URL, retrying",
                "with backoff; a retraction as {\"id\": ..., \"deleted\": true}. Headers X-Incident-Correlator-Event",
                "(revision | retraction), -Id and -Delivery (unique per record: delivery is at least once) and",
                "X-Incident-Correlator-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of \"t.delivery.body\">",
                "(docs/consumers.md: how a receiver refuses old and replayed deliveries). A secret is required",
                "unless --unsigned is given. The URL is never printed beyond scheme, host and port."})
final class SinkWebhookCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(SinkWebhookCommand.class);

    @Mixin
    ClusterOptions cluster;

    @Mixin
    SinkOptions sink;

    @Mixin
    IncidentFilterOptions filter;

    @Option(names = "--url", paramLabel = "URL",
            description = "Where to POST. Chat webhooks carry a token in the URL: prefer --url-file or --url-env.")
    String url;

    @Option(names = "--url-file", paramLabel = "FILE", description = "File holding the URL to POST to.")
    Path urlFile;

    @Option(names = "--url-env", paramLabel = "VAR", description = "Environment variable holding the URL.")
    String urlEnv;

    @Option(names = "--unsigned",
            description = "Send without a signature (no secret): any sender could then forge deliveries; warned at start.")
    boolean unsigned;

    @Option(names = "--signature-secret-env", paramLabel = "VAR",
            description = "Environment variable holding the HMAC secret that signs each delivery (its time, "
                    + "delivery id and body).")
    String secretEnv;

    @Option(names = "--signature-secret-file", paramLabel = "FILE", description = "File holding the HMAC secret.")
    Path secretFile;

    @Option(names = "--signature-header", paramLabel = "NAME", defaultValue = WebhookSink.DEFAULT_SIGNATURE_HEADER,
            description = "Header for the signature (default: ${DEFAULT-VALUE}).")
    String signatureHeader;

    @Override
    public Integer call() throws Exception {
        final URI target = url(System.getenv());
        final ExistingCluster kafka = ExistingCluster.from(cluster);
        final String secret = Secrets.read("webhook signature secret", secretEnv, secretFile, System.getenv());
        sink.run(kafka, "webhook", false, webhook(target, sink.sender(System.getenv()), secret, unsigned,
                signatureHeader, filter::accepts));
        return 0;
    }

    /** The sink, checked and warned about; in its own process or in {@code run}'s. */
    static WebhookSink webhook(URI target, io.incidentcorrelator.sinks.HttpSender http, String secret,
                               boolean unsigned, String signatureHeader,
                               java.util.function.BiPredicate<String, io.incidentcorrelator.avro.Incident> accepts) {
        if (secret == null && !unsigned) {
            throw new ConfigException("sink webhook: no signature secret (--signature-secret-file or "
                    + "--signature-secret-env); to send unsigned deliveries anyway, say --unsigned");
        }
        if (secret != null && unsigned) {
            throw new ConfigException("sink webhook: --unsigned and a signature secret exclude each other");
        }
        if (unsigned) {
            LOG.warn("SECURITY: sink webhook sends UNSIGNED deliveries to {}: the receiver cannot tell them from "
                    + "forged or replayed ones", Scrubber.url(target));
        }
        return new WebhookSink(target, http, secret, signatureHeader, accepts);
    }

    /** From exactly one of --url, --url-file, --url-env; never echoed beyond scheme, host and port. */
    private URI url(Map<String, String> env) {
        final long given = Stream.of(url, urlFile, urlEnv).filter(Objects::nonNull).count();
        if (given != 1) {
            throw new ConfigException("sink webhook: give the URL once, with --url, --url-file or --url-env");
        }
        return parseUrl(url != null ? url : Secrets.read("webhook URL", urlEnv, urlFile, env));
    }

    /** An http(s) URL with a host; its path and query (a chat webhook's credential) hidden from every message. */
    static URI parseUrl(String text) {
        final URI parsed;
        try {
            parsed = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new ConfigException("sink webhook: the URL is not a valid URL (" + e.getReason() + ")");
        }
        if (!parsed.isAbsolute() || parsed.getHost() == null
                || !List.of("http", "https").contains(parsed.getScheme().toLowerCase(Locale.ROOT))) {
            throw new ConfigException("sink webhook: the URL must be an http(s) URL with a host, was "
                    + Scrubber.url(parsed));
        }
        if (parsed.getRawPath() != null && parsed.getRawPath().length() > 1 || parsed.getRawQuery() != null) {
            // The path or query of a chat webhook is its credential: hidden from every message.
            Scrubber.register(parsed.getRawPath());
            if (parsed.getRawQuery() != null) {
                Scrubber.register(parsed.getRawQuery());
            }
        }
        if ("http".equalsIgnoreCase(parsed.getScheme()) && !parsed.getHost().equals("127.0.0.1")
                && !parsed.getHost().equals("localhost") && !parsed.getHost().equals("[::1]")) {
            LOG.warn("SECURITY: sink webhook posts to {} over plain HTTP: deliveries (and any token in the URL) cross "
                    + "the network in cleartext", Scrubber.url(parsed));
        }
        return parsed;
    }
}
