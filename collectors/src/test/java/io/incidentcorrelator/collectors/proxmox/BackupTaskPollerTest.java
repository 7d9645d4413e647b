package io.incidentcorrelator.collectors.proxmox;

import io.incidentcorrelator.collectors.testing.LoopbackWireMock;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.collectors.testing.MutableClock;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.incidentcorrelator.collectors.proxmox.ProxmoxTestSupport.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupTaskPollerTest {

    // Yesterday's single-guest job (LXC 105) and tonight's all-guests job to PBS, on host ruapehu (NZDT, +13:00).
    private static final String UPID_A = "UPID:ruapehu:00003E8A:00B1C2D3:699F0060:vzdump:105:root@pam:";
    private static final String UPID_B = "UPID:ruapehu:0000A1B2:0123ABCD:699FADD0:vzdump::root@pam:";

    private static final String TASK_A = """
            {"upid":"%s","node":"ruapehu","pid":16010,"pstart":11649747,"starttime":1772028000,
             "type":"vzdump","id":"105","user":"root@pam","endtime":1772028400,"status":"OK"}""".formatted(UPID_A);
    private static final String TASK_B_RUNNING = """
            {"upid":"%s","node":"ruapehu","pid":41394,"pstart":19114957,"starttime":1772072400,
             "type":"vzdump","id":"","user":"root@pam"}""".formatted(UPID_B);
    private static final String TASK_B_DONE = """
            {"upid":"%s","node":"ruapehu","pid":41394,"pstart":19114957,"starttime":1772072400,
             "type":"vzdump","id":"","user":"root@pam","endtime":1772073910,"status":"job errors"}""".formatted(UPID_B);

    private static final List<String> LOG_A = List.of(
            "INFO: starting new backup job: vzdump 105 --storage local --mode snapshot --compress zstd --node ruapehu",
            "INFO: Starting Backup of VM 105 (lxc)",
            "INFO: Backup started at 2026-02-26 03:00:01",
            "INFO: status = running",
            "INFO: CT Name: dns-01",
            "INFO: creating vzdump archive '/var/lib/vz/dump/vzdump-lxc-105-2026_02_26-03_00_01.tar.zst'",
            "INFO: Total bytes written: 1348464640 (1.3GiB, 3.4MiB/s)",
            "INFO: Finished Backup of VM 105 (00:06:37)",
            "INFO: Backup finished at 2026-02-26 03:06:38",
            "INFO: Backup job finished successfully",
            "TASK OK");
    private static final List<String> LOG_B = List.of(
            "INFO: starting new backup job: vzdump --all 1 --mode snapshot --storage pbs-main --notes-template '{{guestname}}' --fleecing 0 --node ruapehu",
            "INFO: Starting Backup of VM 201 (qemu)",
            "INFO: Backup started at 2026-02-26 15:20:01",
            "INFO: status = running",
            "INFO: VM Name: talos-cp-01",
            "INFO: include disk 'scsi0' 'local-zfs:vm-201-disk-0' 32G",
            "INFO: creating Proxmox Backup Server archive 'vm/201/2026-02-26T02:20:01Z'",
            "INFO:  25% (8.0 GiB of 32.0 GiB) in 2m 41s, read: 50.9 MiB/s, write: 48.2 MiB/s",
            "INFO:  Finished Backup of VM 201 is not this line",
            "INFO: Finished Backup of VM 201 (00:11:02)",
            "INFO: Backup finished at 2026-02-26 15:31:03",
            "INFO: Starting Backup of VM 202 (qemu)",
            "INFO: Backup started at 2026-02-26 15:31:03",
            // second page, once the task has ended
            "INFO: status = running",
            "INFO: Finished Backup of VM 202 (00:08:30)",
            "INFO: Backup finished at 2026-02-26 15:39:33",
            "INFO: Starting Backup of VM 203 (qemu)",
            "INFO: Backup started at 2026-02-26 15:39:34",
            "ERROR: Backup of VM 203 failed - job failed with err -5 - Input/output error",
            "INFO: Failed at 2026-02-26 15:45:09",
            "INFO: Backup job finished with errors",
            "TASK ERROR: job errors");

    private WireMockServer pve;
    private final RecordingWriter sink = new RecordingWriter();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-02-26T02:40:00Z"));
    private String secret;

    @BeforeEach
    void start() {
        pve = LoopbackWireMock.start();
        secret = ProxmoxTestSupport.fakeSecret();
    }

    @AfterEach
    void stop() {
        pve.stop();
    }

    private static String logLines(List<String> lines, int fromIndex, int toIndex) {
        return IntStream.range(fromIndex, toIndex)
                .mapToObj(i -> "{\"n\":" + (i + 1) + ",\"t\":" + quote(lines.get(i)) + "}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void stubTasksAndLogs() {
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks")).inScenario("job")
                .whenScenarioStateIs(STARTED)
                .willReturn(okJson(data("[" + TASK_B_RUNNING + "," + TASK_A + "]"))));
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks")).inScenario("job")
                .whenScenarioStateIs("ended")
                .willReturn(okJson(data("[" + TASK_B_DONE + "," + TASK_A + "]"))));

        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*00003E8A.*/log"))
                .withQueryParam("start", equalTo("0"))
                .willReturn(okJson(data(logLines(LOG_A, 0, LOG_A.size())))));
        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*0000A1B2.*/log"))
                .withQueryParam("start", equalTo("0"))
                .willReturn(okJson(data(logLines(LOG_B, 0, 13)))));
        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*0000A1B2.*/log"))
                .withQueryParam("start", equalTo("13")).inScenario("job").whenScenarioStateIs(STARTED)
                .willReturn(okJson(data("[]"))));
        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*0000A1B2.*/log"))
                .withQueryParam("start", equalTo("13")).inScenario("job").whenScenarioStateIs("ended")
                .willReturn(okJson(data(logLines(LOG_B, 13, LOG_B.size())))));
        pve.stubFor(get(urlPathMatching("/api2/json/nodes/ruapehu/tasks/UPID.*0000A1B2.*/log"))
                .withQueryParam("start", equalTo("22"))
                .willReturn(okJson(data("[]"))));
    }

    private static String describe(BackupEvent e) {
        return e.getPhase() + " " + (e.getVmid() == null ? "-" : e.getVmid()) + " " + e.getTime()
                + " " + e.getStatus() + " " + e.getStorage();
    }

    @Test
    void runningAndFinishedTasksBecomeJobAndGuestPhasesExactlyOnce() throws Exception {
        stubTasksAndLogs();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"));
        final BackupTaskPoller poller = new BackupTaskPoller(new ProxmoxClient(config), config, sink, clock);

        assertEquals(8, poller.pollOnce());
        assertEquals(List.of(
                "JOB_START - 2026-02-25T14:00:00Z null local",
                "BACKUP_START 105 2026-02-25T14:00:01Z null local",
                "BACKUP_END 105 2026-02-25T14:06:38Z ok local",
                "JOB_END - 2026-02-25T14:06:40Z ok local",
                "JOB_START - 2026-02-26T02:20:00Z null pbs-main",
                "BACKUP_START 201 2026-02-26T02:20:01Z null pbs-main",
                "BACKUP_END 201 2026-02-26T02:31:03Z ok pbs-main",
                "BACKUP_START 202 2026-02-26T02:31:03Z null pbs-main"),
                sink.values(BackupEvent.class).stream().map(BackupTaskPollerTest::describe).toList());
        final BackupEvent first = sink.values(BackupEvent.class).get(0);
        assertEquals("ruapehu", first.getHost());
        assertEquals(UPID_A, first.getUpid());
        assertNull(first.getTargetHost());
        assertEquals("backup-events", sink.sent().get(0).topic());
        assertEquals("ruapehu/" + UPID_B, sink.sent().get(4).key());

        // The job ends with a failed guest; only what is new comes out.
        sink.clear();
        pve.setScenarioState("job", "ended");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(4, poller.pollOnce());
        assertEquals(List.of(
                "BACKUP_END 202 2026-02-26T02:39:33Z ok pbs-main",
                "BACKUP_START 203 2026-02-26T02:39:34Z null pbs-main",
                "BACKUP_ABORT 203 2026-02-26T02:45:09Z job failed with err -5 - Input/output error pbs-main",
                "JOB_ABORT - 2026-02-26T02:45:10Z job errors pbs-main"),
                sink.values(BackupEvent.class).stream().map(BackupTaskPollerTest::describe).toList());

        // Relisting the same tasks sends nothing again.
        sink.clear();
        clock.advance(Duration.ofMinutes(1));
        assertEquals(0, poller.pollOnce());

        pve.verify(getRequestedFor(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks"))
                .withQueryParam("typefilter", equalTo("vzdump"))
                .withQueryParam("source", equalTo("all"))
                .withQueryParam("since", matching("17719[0-9]{5}"))
                .withHeader("Authorization", equalTo(ProxmoxTestSupport.expectedHeader(secret))));
    }

    @Test
    void withoutTaskLogsOnlyJobPhasesAreSent() throws Exception {
        stubTasksAndLogs();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"))
                .withTaskLogs(false, null);
        final BackupTaskPoller poller = new BackupTaskPoller(new ProxmoxClient(config), config, sink, clock);
        assertEquals(3, poller.pollOnce());
        assertEquals(List.of("JOB_START", "JOB_END", "JOB_START"),
                sink.values(BackupEvent.class).stream().map(e -> e.getPhase().name()).toList());
        pve.verify(0, getRequestedFor(urlPathMatching(".*/log")));
    }

    @Test
    void unreadableLogStillGivesJobPhasesAndTheGuestFromTheUpid() throws Exception {
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks"))
                .willReturn(okJson(data("[" + TASK_A + "]"))));
        pve.stubFor(get(urlPathMatching(".*/log"))
                .willReturn(aResponse().withStatus(500).withBody("{\"data\":null}")));
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"));
        final BackupTaskPoller poller = new BackupTaskPoller(new ProxmoxClient(config), config, sink, clock);
        assertEquals(4, poller.pollOnce());
        // vzdump 105's UPID names its one guest; the times are the task's.
        assertEquals(List.of(
                        "JOB_START - 2026-02-25T14:00:00Z null null",
                        "BACKUP_START 105 2026-02-25T14:00:00Z null null",
                        "BACKUP_END 105 2026-02-25T14:06:40Z ok null",
                        "JOB_END - 2026-02-25T14:06:40Z ok null"),
                sink.values(BackupEvent.class).stream().map(BackupTaskPollerTest::describe).toList());
        // An all-guests job's UPID has no id: no guest is made up.
        sink.clear();
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks"))
                .willReturn(okJson(data("[" + TASK_B_DONE + "]"))));
        assertEquals(2, poller.pollOnce());
        assertEquals(List.of(BackupPhase.JOB_START, BackupPhase.JOB_ABORT),
                sink.values(BackupEvent.class).stream().map(BackupEvent::getPhase).toList());
    }

    @Test
    void aRestartWithALookbackOverTwelveHoursSendsNothingAgain(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // Task A ended 12 h 34 min before "now", inside the 24 h look-back: a restarted poller reads it again.
        pve.stubFor(get(urlPathEqualTo("/api2/json/nodes/ruapehu/tasks"))
                .willReturn(okJson(data("[" + TASK_B_DONE + "," + TASK_A + "]"))));
        pve.stubFor(get(urlPathMatching(".*/log")).willReturn(aResponse().withStatus(500).withBody("{\"data\":null}")));
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"));
        assertEquals(Duration.ofHours(24), config.backupLookback());
        final java.nio.file.Path journal = dir.resolve("sent-phases.tsv");
        final Duration retention = BackupPhaseDedup.retentionFor(config.backupLookback());

        final BackupTaskPoller first = new BackupTaskPoller(new ProxmoxClient(config), config, sink,
                BackupPhaseDedup.persistent(journal, retention), clock);
        assertEquals(6, first.pollOnce());
        clock.advance(Duration.ofMinutes(3));
        final BackupTaskPoller restarted = new BackupTaskPoller(new ProxmoxClient(config), config, sink,
                BackupPhaseDedup.persistent(journal, retention), clock);
        assertEquals(0, restarted.pollOnce(), "every phase the look-back reads again was remembered");
        assertEquals(6, sink.sent().size());
    }

    @Test
    void phasesTheHookAlreadyReportedAreNotSentAgain() throws Exception {
        stubTasksAndLogs();
        final ProxmoxConfig config = ProxmoxTestSupport.config(URI.create(pve.baseUrl()), secret, List.of("ruapehu"));
        final BackupPhaseDedup dedup = new BackupPhaseDedup();
        // What the hook endpoint saw live: the job start with the UPID from vzdump.pid (a few
        // seconds after the task's start), and guest 201's start without it.
        assertTrue(dedup.firstTime(hookEvent(BackupPhase.JOB_START, null, UPID_B, "2026-02-26T02:20:01Z")));
        assertTrue(dedup.firstTime(hookEvent(BackupPhase.BACKUP_START, 201, null, "2026-02-26T02:20:03Z")));
        // A job end with another UPID is another job, whatever the time.
        assertTrue(dedup.firstTime(hookEvent(BackupPhase.JOB_END, null,
                "UPID:ruapehu:00000001:00000002:699FADD2:vzdump::root@pam:", "2026-02-26T02:20:03Z")));

        final BackupTaskPoller poller = new BackupTaskPoller(new ProxmoxClient(config), config, sink, dedup, clock);
        assertEquals(6, poller.pollOnce());
        assertEquals(List.of(
                "JOB_START - 2026-02-25T14:00:00Z null local",
                "BACKUP_START 105 2026-02-25T14:00:01Z null local",
                "BACKUP_END 105 2026-02-25T14:06:38Z ok local",
                "JOB_END - 2026-02-25T14:06:40Z ok local",
                "BACKUP_END 201 2026-02-26T02:31:03Z ok pbs-main",
                "BACKUP_START 202 2026-02-26T02:31:03Z null pbs-main"),
                sink.values(BackupEvent.class).stream().map(BackupTaskPollerTest::describe).toList());
        // And what the poller sent, a late hook POST will not send again.
        assertFalse(dedup.firstTime(hookEvent(BackupPhase.BACKUP_END, 201, UPID_B, "2026-02-26T02:31:04Z")));
        assertFalse(dedup.firstTime(hookEvent(BackupPhase.BACKUP_ABORT, 201, null, "2026-02-26T02:31:04Z")),
                "end and abort are one slot: a guest ends once");
        assertTrue(dedup.firstTime(hookEvent(BackupPhase.BACKUP_START, 202, null, "2026-02-26T02:40:00Z")),
                "outside the +-2 min window without a UPID: not the same phase");
    }

    private static BackupEvent hookEvent(BackupPhase phase, Integer vmid, String upid, String time) {
        return BackupEvent.newBuilder().setHost("ruapehu").setPhase(phase).setVmid(vmid).setUpid(upid)
                .setStorage("pbs-main").setTime(Instant.parse(time)).build();
    }
}
