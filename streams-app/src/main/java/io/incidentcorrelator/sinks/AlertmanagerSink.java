package io.incidentcorrelator.sinks;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.sinks.AlertmanagerClient.Matcher;
import io.incidentcorrelator.sinks.AlertmanagerClient.Silence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Silences the crash-looping alert of the pods in a transient incident, for as long as the
 * incident lasts plus a margin, so nobody is paged for restarts that heal by themselves.
 *
 * <ul>
 *   <li>A transient incident that is not resolved gets one silence: {@code alertname} (the
 *       configured alert, a regex when several), optionally the cluster label,
 *       {@code namespace} (a regex when several) and {@code pod} (a regex of the incident's
 *       pods), from now until
 *       {@code windowEnd + margin}; the comment starts with {@code incident-correlator:<id>}
 *       and carries the summary.</li>
 *   <li>Later revisions that change the pods or the end update it (re-POST with its id).</li>
 *   <li>Resolved, no longer transient, or retracted (tombstone): the silence is expired.</li>
 *   <li>Non-transient incidents never get one: those are the restarts someone must look at.
 *       Neither do incidents whose silence would already be over (history read on a first start).</li>
 * </ul>
 *
 * The incident → silence map is kept in memory and rebuilt on start from Alertmanager's own
 * list, by the marker in the comment, so a restarted sink updates rather than duplicates.
 */
public final class AlertmanagerSink implements IncidentSink {

    private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerSink.class);

    public static final String MARKER = "incident-correlator:";
    private static final Pattern MARKED = Pattern.compile(Pattern.quote(MARKER) + "(\\S+)");
    private static final Pattern REGEX_META = Pattern.compile("[\\\\.+*?()|\\[\\]{}^$]");

    /**
     * @param alertNames   the crash-loop alert(s) to silence
     * @param clusterLabel label carrying the cluster name on those alerts, or null to not match on it
     * @param margin       how long after the incident's last restart the silence lasts
     */
    public record Settings(List<String> alertNames, String clusterLabel, Duration margin, String createdBy) {
        public static final List<String> DEFAULT_ALERTS = List.of("HomelabPodCrashLooping", "KubePodCrashLooping");

        public Settings {
            alertNames = List.copyOf(alertNames);
            if (alertNames.isEmpty()) {
                throw new IllegalArgumentException("at least one alert name");
            }
            Objects.requireNonNull(margin, "margin");
            Objects.requireNonNull(createdBy, "createdBy");
        }
    }

    /** What this sink last told Alertmanager for an incident. */
    private record Tracked(String silenceId, List<Matcher> matchers, Instant startsAt, Instant endsAt, String comment) {
    }

    private final AlertmanagerClient client;
    private final Settings settings;
    private final Clock clock;
    private final Map<String, Tracked> silences = new HashMap<>();

    public AlertmanagerSink(AlertmanagerClient client, Settings settings, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Learns which silences this sink made before, from Alertmanager; call once before the first record. */
    public void recover() throws InterruptedException {
        silences.clear();
        for (Silence s : client.listSilences()) {
            final java.util.regex.Matcher m = MARKED.matcher(s.comment() == null ? "" : s.comment());
            if ("expired".equals(s.state()) || !m.find()) {
                continue;
            }
            final Tracked seen = new Tracked(s.id(), s.matchers(), s.startsAt(), s.endsAt(), s.comment());
            // Two live silences for one incident (made by hand, or a crash between create and
            // commit): follow the one that lasts longer.
            silences.merge(m.group(1), seen, (a, b) -> a.endsAt().isAfter(b.endsAt()) ? a : b);
        }
        LOG.info("Alertmanager: {} live silences made by incident-correlator", silences.size());
    }

    /** The silence id this sink keeps for the incident, if any. */
    public String silenceOf(String incidentId) {
        final Tracked t = silences.get(incidentId);
        return t == null ? null : t.silenceId();
    }

    @Override
    public void accept(String id, Incident incident, String delivery) throws InterruptedException {
        final Tracked current = silences.get(id);
        final Instant now = clock.instant();
        if (incident == null || !incident.getTransient$() || incident.getStatus() == IncidentStatus.RESOLVED) {
            if (current != null) {
                expire(id, current, now, incident == null ? "retracted"
                        : incident.getStatus() == IncidentStatus.RESOLVED ? "resolved" : "no longer transient");
            }
            return;
        }
        final Instant endsAt = incident.getWindowEnd().plus(settings.margin());
        if (!endsAt.isAfter(now)) {
            if (current != null) {
                expire(id, current, now, "its end has passed");
            }
            return;
        }
        final List<Matcher> matchers = matchers(incident);
        final String comment = MARKER + id + " " + incident.getCategory() + " (transient): " + incident.getSummary();
        if (current != null && current.matchers().equals(matchers) && current.endsAt().equals(endsAt)) {
            return; // a revision that changes nothing a silence covers
        }
        // Keeping the start lets Alertmanager update an active silence in place.
        final Instant startsAt = current != null && current.startsAt() != null ? current.startsAt() : now;
        String silenceId = post(new Silence(current == null ? null : current.silenceId(), matchers, startsAt, endsAt,
                settings.createdBy(), comment, null));
        if (silenceId == null) {
            // Gone from Alertmanager (expired by hand and garbage-collected): make a new one.
            silenceId = post(new Silence(null, matchers, now, endsAt, settings.createdBy(), comment, null));
        }
        if (silenceId == null) {
            return;
        }
        LOG.info("Alertmanager: silence {} {} for {} until {}", silenceId, current == null ? "created" : "updated",
                id, endsAt);
        silences.put(id, new Tracked(silenceId, matchers, startsAt, endsAt, comment));
    }

    private String post(Silence silence) throws InterruptedException {
        try {
            return client.post(silence);
        } catch (AlertmanagerClient.BadRequest e) {
            LOG.warn("Alertmanager refused the silence, skipping it: {}", e.getMessage());
            return null;
        }
    }

    private void expire(String id, Tracked current, Instant now, String why) throws InterruptedException {
        silences.remove(id);
        if (current.endsAt() != null && !current.endsAt().isAfter(now)) {
            return; // ran out by itself
        }
        try {
            client.expire(current.silenceId());
            LOG.info("Alertmanager: silence {} for {} expired: {}", current.silenceId(), id, why);
        } catch (AlertmanagerClient.BadRequest e) {
            LOG.warn("Alertmanager did not expire silence {}: {}", current.silenceId(), e.getMessage());
        }
    }

    List<Matcher> matchers(Incident incident) {
        final List<Matcher> matchers = new ArrayList<>();
        matchers.add(anyOf("alertname", settings.alertNames()));
        if (settings.clusterLabel() != null) {
            matchers.add(new Matcher(settings.clusterLabel(), incident.getCluster(), false, true));
        }
        matchers.add(anyOf("namespace", incident.getPods().stream().map(PodSummary::getNamespace).toList()));
        matchers.add(regex("pod", incident.getPods().stream().map(PodSummary::getPod).toList()));
        return matchers;
    }

    /** An equality matcher for one value, else a regex of the values. */
    private static Matcher anyOf(String name, List<String> values) {
        final List<String> distinct = values.stream().distinct().toList();
        return distinct.size() == 1 ? new Matcher(name, distinct.get(0), false, true) : regex(name, distinct);
    }

    /** {@code a|b|c} of the values, quoted and sorted, so the same pods always give the same matcher. */
    private static Matcher regex(String name, List<String> values) {
        return new Matcher(name, String.join("|", values.stream().distinct().sorted().map(AlertmanagerSink::quote)
                .toList()), true, true);
    }

    private static String quote(String literal) {
        return REGEX_META.matcher(literal).replaceAll("\\\\$0");
    }
}
