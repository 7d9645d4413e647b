package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.sinks.AlertmanagerClient;
import io.incidentcorrelator.sinks.IncidentAlerts;
import io.incidentcorrelator.sinks.IncidentSink;
import io.incidentcorrelator.sinks.AlertmanagerSink;
import io.incidentcorrelator.sinks.HttpSender;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code correlator sink alertmanager}: silences for transient incidents, alerts for the others. */
@Command(name = "alertmanager",
        mixinStandardHelpOptions = true,
        description = {
                "Silences the crash-loop alerts of transient incidents in Alertmanager and alerts on the others.",
                "Creates an Alertmanager silence (API v2) for each transient incident, matching its pods'",
                "crash-loop alert until the incident's last restart plus --margin, with the incident id and",
                "summary in the comment; updates it as revisions change the pods or the end, and expires it when",
                "the incident is resolved or retracted. Non-transient incidents are never silenced. On start it",
                "finds the silences it made before by the incident-correlator:<id> marker in their comments.",
                "For each incident that is not transient it posts an alert per pod (POST /api/v2/alerts; labels",
                "alertname, cluster, category, namespace, pod, incident; annotations summary, recommended_actions,",
                "incident_url), re-sent every --alert-resend while the incident lasts and ended (endsAt) when it is",
                "resolved, retracted or becomes transient. On start it finds the alerts it fired by their name."})
final class SinkAlertmanagerCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Mixin
    SinkOptions sink;

    @Option(names = "--alertmanager-url", paramLabel = "URL", required = true,
            description = "Alertmanager, with its path prefix if any, e.g. http://alertmanager:9093.")
    String url;

    @Option(names = "--alert-name", paramLabel = "NAME",
            description = "Alert to silence; repeat for several (default: HomelabPodCrashLooping and KubePodCrashLooping).")
    List<String> alertNames = new ArrayList<>();

    @Option(names = "--cluster-label", paramLabel = "LABEL",
            description = "Label that carries the cluster name on those alerts (e.g. cluster); matched when given.")
    String clusterLabel;

    @Option(names = "--margin", paramLabel = "DURATION", defaultValue = "1h", converter = SinkOptions.DurationConverter.class,
            description = "How long after the incident's last restart the silence lasts (default: ${DEFAULT-VALUE}).")
    Duration margin;

    @Option(names = "--created-by", paramLabel = "NAME", defaultValue = "incident-correlator",
            description = "createdBy of the silences (default: ${DEFAULT-VALUE}).")
    String createdBy;

    @Option(names = "--incident-alert", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Post an alert for each incident that is not transient (default: yes; --no-incident-alert: "
                    + "silences only).")
    boolean incidentAlert;

    @Option(names = "--incident-alert-name", paramLabel = "NAME", defaultValue = IncidentAlerts.DEFAULT_ALERT_NAME,
            description = "alertname of those alerts (default: ${DEFAULT-VALUE}).")
    String incidentAlertName;

    @Option(names = "--web-view-url", paramLabel = "URL",
            description = "The web view's URL as people reach it (e.g. https://correlator.home.example/): the alerts "
                    + "link to the incident's page there (annotation incident_url, generatorURL). Default: no link.")
    String webViewUrl;

    @Option(names = "--alert-resend", paramLabel = "DURATION", defaultValue = IncidentAlerts.DEFAULT_RESEND,
            converter = SinkOptions.DurationConverter.class,
            description = "Re-send firing alerts this often; each lasts four times this in Alertmanager unless re-sent "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration alertResend;

    @Option(names = "--alert-max-age", paramLabel = "DURATION", defaultValue = IncidentAlerts.DEFAULT_MAX_AGE,
            converter = SinkOptions.DurationConverter.class,
            description = "An unresolved incident whose last restart is older than this gets no alert, and its alert "
                    + "ends (default: ${DEFAULT-VALUE}).")
    Duration alertMaxAge;

    @Override
    public Integer call() throws Exception {
        // Settings first: a wrong one is one line before anything connects.
        final IncidentAlerts.Settings alerting = incidentAlert ? new IncidentAlerts.Settings(incidentAlertName,
                clusterLabel, webView(), alertResend, alertMaxAge) : null;
        final ExistingCluster kafka = ExistingCluster.from(cluster);
        sink.run(kafka, "alertmanager", true, sinks(url, sink.sender(System.getenv()), alertNames, clusterLabel,
                margin, createdBy, alerting));
        return 0;
    }

    /**
     * The silencer, with the silences it made before found again, and (unless {@code alerting} is null) the
     * incident alerts, with those still firing read back; in its own process or in {@code run}'s.
     */
    static IncidentSink sinks(String url, HttpSender http, List<String> alertNames, String clusterLabel,
                              Duration margin, String createdBy, IncidentAlerts.Settings alerting)
            throws InterruptedException {
        final AlertmanagerClient client = new AlertmanagerClient(url, http);
        final AlertmanagerSink silencer = new AlertmanagerSink(client,
                new AlertmanagerSink.Settings(alertNames.isEmpty() ? AlertmanagerSink.Settings.DEFAULT_ALERTS : alertNames,
                        clusterLabel, margin, createdBy),
                Clock.systemUTC());
        silencer.recover();
        final List<IncidentSink> sinks = new ArrayList<>(List.of(silencer));
        if (alerting != null) {
            final IncidentAlerts alerts = new IncidentAlerts(client, alerting, Clock.systemUTC());
            alerts.recover();
            sinks.add(alerts);
        }
        return IncidentSink.all(sinks);
    }

    private URI webView() {
        if (webViewUrl == null) {
            return null;
        }
        try {
            final URI uri = new URI(webViewUrl.strip());
            if (uri.isAbsolute() && uri.getHost() != null && List.of("http", "https").contains(uri.getScheme())) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // the message below says what is expected
        }
        throw new ConfigException("sink alertmanager: --web-view-url must be an http(s) URL with a host, was '"
                + webViewUrl + "'");
    }
}
