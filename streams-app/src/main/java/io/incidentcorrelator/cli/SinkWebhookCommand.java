package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.sinks.Secrets;
import io.incidentcorrelator.sinks.WebhookSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code correlator sink webhook}: every revision as JSON to a URL. */
@Command(name = "webhook",
        mixinStandardHelpOptions = true,
        description = {
                "POSTs every incident revision as contract JSON (replay's output format) to a URL, retrying",
                "with backoff; a retraction as {\"id\": ..., \"deleted\": true}. Headers X-Incident-Correlator-Event",
                "(revision | retraction), -Id and -Delivery (unique per record: delivery is at least once); with a",
                "secret, the signature header holds sha256=<hex HMAC-SHA256 of the body>."})
final class SinkWebhookCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Mixin
    SinkOptions sink;

    @Mixin
    IncidentFilterOptions filter;

    @Option(names = "--url", paramLabel = "URL", required = true, description = "Where to POST.")
    URI url;

    @Option(names = "--signature-secret-env", paramLabel = "VAR",
            description = "Environment variable holding the HMAC secret that signs each body.")
    String secretEnv;

    @Option(names = "--signature-secret-file", paramLabel = "FILE", description = "File holding the HMAC secret.")
    Path secretFile;

    @Option(names = "--signature-header", paramLabel = "NAME", defaultValue = WebhookSink.DEFAULT_SIGNATURE_HEADER,
            description = "Header for the signature (default: ${DEFAULT-VALUE}).")
    String signatureHeader;

    @Override
    public Integer call() throws Exception {
        if (!url.isAbsolute() || !List.of("http", "https").contains(url.getScheme().toLowerCase(Locale.ROOT))) {
            throw new ConfigException("--url must be an http(s) URL, was \"" + url + "\"");
        }
        final ExistingCluster kafka = ExistingCluster.from(cluster);
        final String secret = Secrets.read("webhook signature secret", secretEnv, secretFile, System.getenv());
        sink.run(kafka, "webhook", false, new WebhookSink(url, sink.sender(System.getenv()), secret, signatureHeader,
                filter::accepts));
        return 0;
    }
}
