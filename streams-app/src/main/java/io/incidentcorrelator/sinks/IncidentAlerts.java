package io.incidentcorrelator.sinks;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.sinks.AlertmanagerClient.Alert;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Posts an Alertmanager alert for every incident that is not transient (a restart someone has
 * to look at), one per pod of the incident, and ends it when the incident does.
 *
 * <ul>
 *   <li>Labels: {@code alertname} (configured), the cluster (label {@code cluster}, or the
 *       configured cluster label), {@code category}, {@code namespace}, {@code pod} and
 *       {@code incident} (the id, so two incidents of one pod stay two alerts).</li>
 *   <li>Annotations: {@code summary}, {@code recommended_actions} (one per line) and, with a
 *       web view URL, {@code incident_url} (also the alert's {@code generatorURL}).</li>
 *   <li>{@code startsAt} is the incident's first restart. A firing alert carries
 *       {@code endsAt = now + 4 × resend interval} and is re-sent every interval, as Prometheus
 *       does: Alertmanager resolves an alert nobody re-sends, so a sink that stops leaves no alert
 *       firing forever, and one that runs keeps it firing whatever {@code resolve_timeout} is.</li>
 *   <li>The incident ends, and its alerts get {@code endsAt = now}, when a revision says
 *       {@code RESOLVED} (no restart within the grouping gap after the last one), when it is
 *       retracted (tombstone), when a revision makes it transient, or when its last restart is
 *       older than the maximum age (an incident the pipeline never resolved). A revision that
 *       drops a pod or changes the category ends the alerts whose labels it no longer has.</li>
 *   <li>Incidents that are already over when read (history on a first start) post nothing.</li>
 * </ul>
 *
 * The firing alerts are kept in memory and rebuilt on start from Alertmanager's list of active
 * alerts with the alert name, so a restarted sink keeps re-sending what it fired before.
 */
public final class IncidentAlerts implements IncidentSink {

    private static final Logger LOG = LoggerFactory.getLogger(IncidentAlerts.class);

    public static final String DEFAULT_ALERT_NAME = "IncidentCorrelated";
    /** The label carrying the cluster name when none is configured. */
    public static final String DEFAULT_CLUSTER_LABEL = "cluster";
    /** Re-send interval and maximum age unless configured: {@code sink alertmanager}'s defaults and the homelab file's. */
    public static final String DEFAULT_RESEND = "1m";
    public static final String DEFAULT_MAX_AGE = "6h";
    static final String INCIDENT_LABEL = "incident";

    /**
     * @param clusterLabel the label carrying the cluster name; null for {@link #DEFAULT_CLUSTER_LABEL}
     * @param webViewUrl   the web view's external URL, or null for no link
     * @param resendEvery  how often a firing alert is re-sent
     * @param maxAge       an unresolved incident whose last restart is older than this is over
     */
    public record Settings(String alertName, String clusterLabel, URI webViewUrl, Duration resendEvery,
                           Duration maxAge) {
        public Settings {
            Objects.requireNonNull(alertName, "alertName");
            clusterLabel = clusterLabel == null ? DEFAULT_CLUSTER_LABEL : clusterLabel;
            if (resendEvery.isZero() || resendEvery.isNegative()) {
                throw new IllegalArgumentException("the resend interval must be positive, was " + resendEvery);
            }
            if (maxAge.compareTo(resendEvery) <= 0) {
                throw new IllegalArgumentException("the maximum age must be longer than the resend interval, was "
                        + maxAge);
            }
        }

        /** The default alert name, no web view link, the default re-send interval and maximum age. */
        public static Settings defaults(String clusterLabel) {
            return new Settings(DEFAULT_ALERT_NAME, clusterLabel, null, ConfigLoader.parseDuration(DEFAULT_RESEND),
                    ConfigLoader.parseDuration(DEFAULT_MAX_AGE));
        }

        /** How long a firing alert lasts in Alertmanager without being re-sent. */
        Duration validFor() {
            return resendEvery.multipliedBy(4);
        }
    }

    private final AlertmanagerClient client;
    private final Settings settings;
    private final Clock clock;
    /** An incident's firing alerts as last sent, and when. */
    private record Firing(List<Alert> alerts, Instant sentAt) {
    }

    /** Incident id → its firing alerts. */
    private final Map<String, Firing> firing = new LinkedHashMap<>();

    public IncidentAlerts(AlertmanagerClient client, Settings settings, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Learns which alerts this sink fired before, from Alertmanager; call once before the first record. */
    public void recover() throws InterruptedException {
        firing.clear();
        final Map<String, List<Alert>> listed = new LinkedHashMap<>();
        for (Alert a : client.listAlerts(settings.alertName())) {
            final String id = a.labels().get(INCIDENT_LABEL);
            if (id != null) {
                listed.computeIfAbsent(id, k -> new ArrayList<>()).add(a);
            }
        }
        // Sent by the sink before this one, when is not known: the first tick re-sends them.
        listed.forEach((id, alerts) -> firing.put(id, new Firing(alerts, Instant.MIN)));
        LOG.info("Alertmanager: {} incident(s) with firing {} alerts", firing.size(), settings.alertName());
    }

    /** The alerts firing for the incident, as last sent. */
    public List<Alert> firingFor(String incidentId) {
        final Firing f = firing.get(incidentId);
        return f == null ? List.of() : f.alerts();
    }

    @Override
    public void accept(String id, Incident incident, String delivery) throws InterruptedException {
        final Instant now = clock.instant();
        final List<Alert> wanted = incident == null || isOver(incident, now) ? List.of() : alerts(id, incident, now);
        final List<Alert> previous = firing.containsKey(id) ? firing.get(id).alerts() : List.of();
        if (wanted.isEmpty() && previous.isEmpty()) {
            return;
        }
        final Set<Map<String, String>> still = wanted.stream().map(Alert::labels).collect(Collectors.toSet());
        final List<Alert> ended = previous.stream().filter(a -> !still.contains(a.labels()))
                .map(a -> a.endingAt(now)).toList();
        final List<Alert> send = new ArrayList<>(ended);
        send.addAll(wanted);
        post(send);
        if (wanted.isEmpty()) {
            firing.remove(id);
            LOG.info("Alertmanager: {} alert(s) of {} ended: {}", ended.size(), id, incident == null ? "retracted"
                    : incident.getStatus() == IncidentStatus.RESOLVED ? "resolved"
                    : incident.getTransient$() ? "now transient" : "older than " + settings.maxAge());
        } else {
            if (previous.isEmpty()) {
                LOG.info("Alertmanager: {} alert(s) firing for {} ({})", wanted.size(), id, incident.getCategory());
            }
            firing.put(id, new Firing(wanted, now));
        }
    }

    /**
     * Re-sends, in one request, the alerts of each incident last sent a resend interval ago or
     * more; ends those of incidents older than the maximum age.
     */
    @Override
    public void tick() throws InterruptedException {
        final Instant now = clock.instant();
        final List<Alert> send = new ArrayList<>();
        for (var it = firing.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<String, Firing> e = it.next();
            if (now.isBefore(e.getValue().sentAt().plus(settings.resendEvery()))) {
                continue;
            }
            final List<Alert> alerts = e.getValue().alerts();
            final boolean old = alerts.stream().allMatch(a -> a.startsAt() != null
                    && lastRestart(a).plus(settings.maxAge()).isBefore(now));
            final Instant end = old ? now : now.plus(settings.validFor());
            final List<Alert> renewed = alerts.stream().map(a -> a.endingAt(end)).toList();
            send.addAll(renewed);
            if (old) {
                LOG.info("Alertmanager: alerts of {} ended: no revision for {}", e.getKey(), settings.maxAge());
                it.remove();
            } else {
                e.setValue(new Firing(renewed, now));
            }
        }
        if (!send.isEmpty()) {
            post(send);
        }
    }

    private void post(List<Alert> alerts) throws InterruptedException {
        try {
            client.postAlerts(alerts);
        } catch (AlertmanagerClient.BadRequest e) {
            LOG.warn("Alertmanager refused {} alert(s), skipping them: {}", alerts.size(), e.getMessage());
        }
    }

    /**
     * Over for alerting: retracted, resolved, transient, or last restarted longer ago than the
     * maximum age (history read on a first start, or never resolved).
     */
    private boolean isOver(Incident incident, Instant now) {
        return incident.getTransient$() || incident.getStatus() == IncidentStatus.RESOLVED
                || incident.getWindowEnd().plus(settings.maxAge()).isBefore(now);
    }

    /** One alert per pod of the incident, firing until {@code now} plus the validity. */
    List<Alert> alerts(String id, Incident incident, Instant now) {
        final Map<String, String> annotations = new TreeMap<>();
        annotations.put("summary", incident.getSummary());
        annotations.put("last_restart", incident.getWindowEnd().toString());
        if (!incident.getRecommendedActions().isEmpty()) {
            annotations.put("recommended_actions", incident.getRecommendedActions().stream().map(a -> "- " + a)
                    .collect(Collectors.joining("\n")));
        }
        final String link = link(id);
        if (link != null) {
            annotations.put("incident_url", link);
        }
        final Map<String, Alert> byPod = new TreeMap<>();
        for (PodSummary p : incident.getPods()) {
            final Map<String, String> labels = new TreeMap<>();
            labels.put("alertname", settings.alertName());
            labels.put(settings.clusterLabel(), incident.getCluster());
            labels.put("category", incident.getCategory().name());
            labels.put("namespace", p.getNamespace());
            labels.put("pod", p.getPod());
            labels.put(INCIDENT_LABEL, id);
            byPod.putIfAbsent(p.getNamespace() + "/" + p.getPod(), new Alert(labels, annotations,
                    incident.getWindowStart(), now.plus(settings.validFor()), link));
        }
        return List.copyOf(byPod.values());
    }

    /** The web view's page of the incident, or null without a configured URL. */
    String link(String id) {
        if (settings.webViewUrl() == null) {
            return null;
        }
        final String base = settings.webViewUrl().toString();
        return (base.endsWith("/") ? base : base + "/") + "#incident=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    /** The incident's last restart as the alert carries it; its start when an older alert lacks it. */
    private static Instant lastRestart(Alert a) {
        try {
            return Instant.parse(a.annotations().get("last_restart"));
        } catch (RuntimeException missingOrEdited) {
            return a.startsAt();
        }
    }
}
