package io.incidentcorrelator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioReader;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.CleanRun;
import io.incidentcorrelator.testsupport.IncidentTopic;
import io.incidentcorrelator.testsupport.PipelineRig;
import io.incidentcorrelator.testsupport.TestKafka;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code correlator advise backups} on a generated month ({@link BackupMonth}): every number of
 * the report is computed here from what was generated; the packaged launcher replays the month's
 * scenario file offline, and the same report comes from the topics a live pipeline on the
 * embedded broker wrote (three partitions, keys as the contract gives them).
 */
class AdviseBackupsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COOL_DOWN = Duration.ofMinutes(30);
    private static final List<String> HOSTS = List.of("hikurangi", "pihanga", "ruapehu"); // JobKey order
    private static final String TARGET = "pihanga";
    /** Where each cluster's restarting nodes run ({@link BackupMonth}'s inventory). */
    private static final Map<String, String> HOST_OF_CLUSTER = Map.of("prod", "ruapehu", "monit", "pihanga",
            "agentic", "hikurangi");
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HHMM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    @TempDir
    static Path dir;

    private static BackupMonth month;
    private static Path scenario;
    private static JsonNode offline;

    @BeforeAll
    static void replayTheMonthThroughThePackagedLauncher() throws Exception {
        month = new BackupMonth();
        scenario = month.write(dir);
        final ReplayCommandIT.Result r = ReplayCommandIT.correlator(dir, "advise", "backups", "--scenario",
                scenario.toString(), "--window", "01:00-06:00", "--json", "--quiet");
        assertEquals(0, r.exitCode(), r.stderr());
        offline = JSON.readTree(r.stdout());
    }

    @Test
    void jobsNightsStartsDurationsAndAborts() {
        final JsonNode jobs = offline.get("jobs");
        assertEquals(3, jobs.size(), jobs.toString());
        for (int i = 0; i < HOSTS.size(); i++) {
            final String host = HOSTS.get(i);
            final List<BackupMonth.Run> runs = runsOf(host);
            final JsonNode job = jobs.get(i);
            assertEquals(host, job.get("sourceHost").asText());
            assertEquals("backup-nightly", job.get("job").asText());
            assertEquals("pbs-main", job.get("storage").asText());
            assertEquals("pihanga", job.get("targetHost").asText(), "from the storage location");
            assertEquals(runs.size(), job.get("nightsSeen").asInt());
            assertEquals(runs.stream().filter(BackupMonth.Run::aborted).count(), job.get("aborts").asLong());
            assertEquals(0, job.get("unfinished").asInt());
            final List<Long> starts = runs.stream().map(r -> (long) nightMinute(r.start())).toList();
            final List<Long> durations = runs.stream().map(r -> Duration.between(r.start(), r.end()).toSeconds()).toList();
            assertEquals(hhmm(nearestRank(starts, 50)), job.get("startMedian").asText(), host);
            assertEquals(hhmm(nearestRank(starts, 95)), job.get("startP95").asText(), host);
            assertEquals(nearestRank(durations, 50), job.get("durationMedianSeconds").asLong(), host);
            assertEquals(nearestRank(durations, 95), job.get("durationP95Seconds").asLong(), host);
        }
        assertEquals(BackupMonth.NIGHTS, runsOf("ruapehu").size());
        assertEquals(2, offline.get("jobs").get(2).get("aborts").asInt());
        assertTrue(runsOf("pihanga").size() < BackupMonth.NIGHTS, "pihanga skips Saturday evenings");
        assertEquals("mon..sat 02:45", offline.get("jobs").get(1).get("schedule").asText(),
                "Sunday to Friday evenings start on Monday to Saturday mornings");
    }

    @Test
    void overlapsPerNightWithTheirLength() {
        final List<String> expected = new ArrayList<>();
        for (Overlap o : overlaps()) {
            expected.add(o.night() + " " + o.a() + "+" + o.b() + " " + o.from() + ".." + o.to() + " "
                    + Duration.between(o.from(), o.to()).toSeconds());
        }
        final List<String> reported = new ArrayList<>();
        for (JsonNode o : offline.get("overlaps")) {
            assertEquals("target host pihanga", o.get("sharedBy").asText());
            reported.add(o.get("night").asText() + " " + o.get("a").get("sourceHost").asText() + "+"
                    + o.get("b").get("sourceHost").asText() + " " + o.get("from").asText() + ".." + o.get("to").asText()
                    + " " + o.get("seconds").asLong());
        }
        Collections.sort(expected);
        Collections.sort(reported);
        assertTrue(expected.size() > 20, "the month was generated with overlaps on most nights: " + expected.size());
        assertEquals(expected, reported);
    }

    @Test
    void incidentsPlacedAndExposurePerJobAndCluster() {
        final Map<String, Expected> expected = expectedIncidents();
        final Map<String, JsonNode> reported = new TreeMap<>();
        offline.get("incidents").forEach(i -> reported.put(i.get("id").asText(), i));
        assertEquals(expected.keySet(), reported.keySet());
        final Map<String, int[]> exposure = new TreeMap<>();
        for (Expected e : expected.values()) {
            final JsonNode i = reported.get(e.id());
            assertEquals(e.placement(), i.get("placement").asText(), e.id());
            assertEquals(e.restarts(), i.get("restarts").asInt(), e.id());
            assertEquals(e.jobs(), sources(i.get("jobs")), e.id());
            assertEquals(!e.crash(), i.get("backupAttributed").asBoolean(), e.id());
            for (String job : e.jobs()) {
                final int[] c = exposure.computeIfAbsent(job + "|" + e.cluster(), k -> new int[5]);
                c[0]++;
                c[switch (e.placement()) {
                    case "OVERLAP" -> 1;
                    case "RUN" -> 2;
                    case "COOL_DOWN" -> 3;
                    default -> 4;
                }]++;
            }
        }
        assertTrue(expected.values().stream().map(Expected::placement).collect(Collectors.toSet())
                .containsAll(List.of("OVERLAP", "RUN", "COOL_DOWN", "NONE")), "every placement occurs");
        final Map<String, int[]> got = new TreeMap<>();
        for (JsonNode e : offline.get("exposure")) {
            got.put(e.get("sourceHost").asText() + "|" + e.get("cluster").asText(), new int[]{e.get("incidents").asInt(),
                    e.get("inOverlap").asInt(), e.get("inRun").asInt(), e.get("inCoolDown").asInt(), e.get("later").asInt()});
        }
        assertEquals(exposure.keySet(), got.keySet());
        exposure.forEach((k, c) -> assertEquals(java.util.Arrays.toString(c), java.util.Arrays.toString(got.get(k)), k));
        assertEquals(0, offline.get("unmatchedEvidence").asInt());
    }

    @Test
    void proposalKeepsThemApartAtP95PlusCoolDownAndTheEstimateCountsRemovedOverlaps() {
        final JsonNode proposal = offline.get("proposal");
        assertTrue(proposal.get("feasible").asBoolean(), proposal.toString());
        assertEquals(0, proposal.get("overlapMinutes").asInt());
        final int[] start = new int[3];
        final int[] busy = new int[3];
        final int windowFrom = 13 * 60;  // 01:00 on the night's axis (minutes from noon)
        final int windowTo = 18 * 60;    // 06:00
        for (int i = 0; i < 3; i++) {
            final JsonNode p = proposal.get("jobs").get(i);
            assertEquals(HOSTS.get(i), p.get("sourceHost").asText());
            final long p95 = nearestRank(runsOf(HOSTS.get(i)).stream()
                    .map(r -> Duration.between(r.start(), r.end()).toSeconds()).toList(), 95);
            busy[i] = (int) Math.ceil((p95 + COOL_DOWN.toSeconds()) / 60.0);
            assertEquals(busy[i], p.get("busyMinutes").asInt());
            start[i] = p.get("startMinuteOfNight").asInt();
            assertTrue(start[i] >= windowFrom && start[i] <= windowTo && start[i] % 5 == 0, p.toString());
            final String time = hhmm(start[i]);
            assertEquals(i == 1 ? "mon..sat " + time : time, p.get("schedule").asText());
            assertEquals(offline.get("jobs").get(i).get("schedule").asText(), p.get("todaySchedule").asText());
        }
        for (int i = 0; i < 3; i++) {
            for (int j = i + 1; j < 3; j++) {
                assertEquals(0, Math.max(0, Math.min(start[i] + busy[i], start[j] + busy[j]) - Math.max(start[i], start[j])),
                        "jobs " + i + " and " + j + " apart at p95 + cool-down");
            }
        }
        // The least change that does it: no schedule on the grid moves the jobs less.
        int least = Integer.MAX_VALUE;
        final int[] today = new int[3];
        for (int i = 0; i < 3; i++) {
            today[i] = minuteOfNight(offline.get("jobs").get(i).get("startMedian").asText());
        }
        for (int a = windowFrom; a <= windowTo; a += 5) {
            for (int b = windowFrom; b <= windowTo; b += 5) {
                for (int c = windowFrom; c <= windowTo; c += 5) {
                    final int[] s = {a, b, c};
                    boolean apart = true;
                    for (int i = 0; i < 3; i++) {
                        for (int j = i + 1; j < 3; j++) {
                            apart &= Math.min(s[i] + busy[i], s[j] + busy[j]) <= Math.max(s[i], s[j]);
                        }
                    }
                    if (apart) {
                        least = Math.min(least, Math.abs(a - today[0]) + Math.abs(b - today[1]) + Math.abs(c - today[2]));
                    }
                }
            }
        }
        assertEquals(least, Math.abs(start[0] - today[0]) + Math.abs(start[1] - today[1]) + Math.abs(start[2] - today[2]));

        // Feasible: every overlap is removed, so the estimate is every backup restart inside one.
        final Map<String, Expected> expected = expectedIncidents();
        final JsonNode estimate = offline.get("estimate");
        assertEquals("estimate from the past, not a prediction", estimate.get("kind").asText());
        assertEquals(expected.values().stream().filter(e -> !e.crash()).mapToInt(Expected::restarts).sum(),
                estimate.get("backupRestarts").asInt());
        assertEquals(expected.values().stream().filter(e -> !e.crash()).count(), estimate.get("backupIncidents").asLong());
        assertEquals(expected.values().stream().filter(e -> e.placement().equals("OVERLAP")).mapToInt(Expected::restarts).sum(),
                estimate.get("removedRestarts").asInt());
        assertEquals(expected.values().stream().filter(e -> e.placement().equals("OVERLAP")).count(),
                estimate.get("removedIncidents").asLong());
        // The period ends at the newest backup phase or incident.
        final Instant newest = java.util.stream.Stream.concat(month.runs.stream().map(BackupMonth.Run::end),
                month.restarts.stream().map(BackupMonth.Restarts::first)).max(Instant::compareTo).orElseThrow();
        assertEquals(newest.toString(), offline.get("until").asText());
        assertEquals(newest.minus(Duration.ofDays(30)).toString(), offline.get("since").asText());
    }

    @Test
    void theTopicsOfALivePipelineGiveTheSameReport(@TempDir Path work) throws Exception {
        final List<ScenarioEvent> events = new ScenarioReader(false, w -> { }).read(scenario);
        try (TestKafka kafka = TestKafka.start();
             EmbeddedSchemaRegistryServer registry = EmbeddedSchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            // Three partitions, each event keyed as the contract says and partitioned by that key, as the
            // collectors produce: the month's backlog reaches the pipeline through several tasks.
            final PipelineRig rig = new PipelineRig(kafka.bootstrapServers(), registry.url(), "advise-", 3);
            CleanRun.run(rig, events, Map.of(), work);
            final Map<String, Long> partitionsInUse = rig.eventTopicPartitionsInUse();
            for (String topic : List.of(rig.names().backupEvents(), rig.names().podRestarts())) {
                assertTrue(partitionsInUse.get(topic) >= 2, "the keys spread " + topic + ": " + partitionsInUse);
            }
            final List<String> args = List.of("advise", "backups", "--bootstrap-servers", rig.bootstrap(),
                    "--schema-registry-url", rig.registryUrl(), "--config", rig.writeConfig(work, Map.of()).toString(),
                    "--window", "01:00-06:00");
            final List<String> json = new ArrayList<>(args);
            json.add("--json");
            assertEquals(offline, JSON.readTree(String.join("\n", IncidentTopic.correlator(json))));

            final String text = String.join("\n", IncidentTopic.correlator(args));
            for (JsonNode p : offline.get("proposal").get("jobs")) {
                assertTrue(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(p.get("todaySchedule").asText())
                        + " +" + java.util.regex.Pattern.quote(p.get("schedule").asText()) + " ").matcher(text).find(), text);
            }
            final JsonNode e = offline.get("estimate");
            assertTrue(text.contains("ESTIMATE (from the past, not a prediction): " + e.get("removedRestarts").asInt()
                    + " of the period's " + e.get("backupRestarts").asInt() + " backup-attributed restarts"), text);
            assertTrue(text.contains(offline.get("proposal").get("sentence").asText()), text);
        }
    }

    @Test
    void badSinceAndWindowAreOneLineNamingTheOption() throws Exception {
        for (List<String> bad : List.of(List.of("--since", "garbage"), List.of("--window", "1am-6am"),
                List.of("--window", "06:00-01:00"))) {
            final List<String> args = new ArrayList<>(List.of("advise", "backups", "--scenario", scenario.toString()));
            args.addAll(bad);
            final ReplayCommandIT.Result r = ReplayCommandIT.correlator(dir, args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), r.stderr());
            assertEquals(1, r.stderr().lines().count(), r.stderr());
            assertTrue(r.stderr().startsWith("advise backups: " + bad.get(0) + ": "), r.stderr());
            assertTrue(r.stderr().contains(bad.get(0).equals("--since") ? "30d" : "HH:MM-HH:MM"), r.stderr());
            assertEquals("", r.stdout());
        }
    }

    // ---- what the report must say, computed from the generated month ----

    private record Overlap(String night, String a, String b, Instant from, Instant to) {
    }

    private record Expected(String id, String cluster, boolean crash, int restarts, List<String> jobs, String placement) {
    }

    private static List<BackupMonth.Run> runsOf(String host) {
        return month.runs.stream().filter(r -> r.host().equals(host)).toList();
    }

    private static List<Overlap> overlaps() {
        final List<Overlap> out = new ArrayList<>();
        for (BackupMonth.Run x : month.runs) {
            for (BackupMonth.Run y : month.runs) {
                if (HOSTS.indexOf(x.host()) < HOSTS.indexOf(y.host()) && x.night() == y.night()) {
                    final Instant from = x.start().isAfter(y.start()) ? x.start() : y.start();
                    final Instant to = x.end().isBefore(y.end()) ? x.end() : y.end();
                    if (from.isBefore(to)) {
                        out.add(new Overlap(BackupMonth.FIRST_NIGHT.plusDays(x.night()).toString(), x.host(), y.host(),
                                from, to));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Each restart group is one incident; its backup evidence names every run active (running or
     * in its cool-down) at one of its restarts on its node's host, as source or as target (the
     * classifier's contention domain); where it fell is judged at its first restart, against the
     * overlaps of the runs it names.
     */
    private static Map<String, Expected> expectedIncidents() {
        final Map<String, Expected> out = new LinkedHashMap<>();
        for (BackupMonth.Restarts r : month.restarts) {
            final TreeSet<String> named = new TreeSet<>();
            final String host = HOST_OF_CLUSTER.get(r.cluster());
            for (int i = 0; i < r.times(); i++) {
                final Instant t = r.first().plus(Duration.ofMinutes(i));
                month.runs.stream().filter(run -> run.host().equals(host) || TARGET.equals(host))
                        .filter(run -> !t.isBefore(run.start()) && !t.isAfter(run.end().plus(COOL_DOWN)))
                        .forEach(run -> named.add(run.host()));
            }
            final Instant t = r.first();
            final String placement;
            if (named.isEmpty()) {
                placement = "NONE";
            } else if (overlaps().stream().anyMatch(o -> (named.contains(o.a()) || named.contains(o.b()))
                    && !t.isBefore(o.from()) && !t.isAfter(o.to()))) {
                placement = "OVERLAP";
            } else if (month.runs.stream().anyMatch(run -> named.contains(run.host()) && !t.isBefore(run.start())
                    && !t.isAfter(run.end()))) {
                placement = "RUN";
            } else {
                placement = "COOL_DOWN";
            }
            final String id = r.cluster() + "." + (r.crash() ? "app-crash" : "backup-io-contention") + "."
                    + ID_TIME.format(t);
            out.put(id, new Expected(id, r.cluster(), r.crash(), r.times(), List.copyOf(named), placement));
        }
        return out;
    }

    private static List<String> sources(JsonNode jobs) {
        final List<String> out = new ArrayList<>();
        jobs.forEach(j -> out.add(j.get("sourceHost").asText()));
        Collections.sort(out);
        return out;
    }

    private static long nearestRank(List<Long> values, int percent) {
        final List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(percent / 100.0 * sorted.size()) - 1);
    }

    /** Minutes into the night (from noon), as the report's times of day are taken; all starts are after midnight. */
    private static int nightMinute(Instant t) {
        return (int) (t.atZone(ZoneOffset.UTC).toLocalTime().toSecondOfDay() / 60) + 12 * 60;
    }

    private static int minuteOfNight(String hhmm) {
        return Integer.parseInt(hhmm.substring(0, 2)) * 60 + Integer.parseInt(hhmm.substring(3)) + 12 * 60;
    }

    private static String hhmm(long minuteOfNight) {
        final long m = (minuteOfNight - 12 * 60) % (24 * 60);
        return String.format("%02d:%02d", m / 60, m % 60);
    }
}
