package io.incidentcorrelator.cli;

import io.incidentcorrelator.sinks.AlertmanagerClient;
import io.incidentcorrelator.sinks.AlertmanagerSink;
import io.incidentcorrelator.sinks.HttpSender;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code correlator sink alertmanager}: silences for transient incidents. */
@Command(name = "alertmanager",
        mixinStandardHelpOptions = true,
        description = {
                "Creates an Alertmanager silence (API v2) for each transient incident, matching its pods'",
                "crash-loop alert until the incident's last restart plus --margin, with the incident id and",
                "summary in the comment; updates it as revisions change the pods or the end, and expires it when",
                "the incident is resolved or retracted. Non-transient incidents are never silenced. On start it",
                "finds the silences it made before by the incident-correlator:<id> marker in their comments."})
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

    @Override
    public Integer call() throws Exception {
        final ExistingCluster kafka = ExistingCluster.from(cluster);
        sink.run(kafka, "alertmanager", true, silencer(url, sink.sender(System.getenv()), alertNames, clusterLabel,
                margin, createdBy));
        return 0;
    }

    /** The sink, with the silences it made before found again; in its own process or in {@code run}'s. */
    static AlertmanagerSink silencer(String url, HttpSender http, List<String> alertNames, String clusterLabel,
                                     Duration margin, String createdBy) throws InterruptedException {
        final AlertmanagerSink silencer = new AlertmanagerSink(new AlertmanagerClient(url, http),
                new AlertmanagerSink.Settings(alertNames.isEmpty() ? AlertmanagerSink.Settings.DEFAULT_ALERTS : alertNames,
                        clusterLabel, margin, createdBy),
                Clock.systemUTC());
        silencer.recover();
        return silencer;
    }
}
