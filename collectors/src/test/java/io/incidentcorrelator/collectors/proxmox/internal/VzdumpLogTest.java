package io.incidentcorrelator.collectors.proxmox.internal;

import io.incidentcorrelator.avro.BackupPhase;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class VzdumpLogTest {

    private static final Instant TASK_START = Instant.parse("2026-02-26T02:20:00Z");

    private static List<String> feed(VzdumpLog log, String... lines) {
        final List<String> out = new ArrayList<>();
        for (String l : lines) {
            log.accept(l).forEach(p -> out.add(p.phase() + " " + p.vmid() + " " + p.time() + " " + p.status()));
        }
        return out;
    }

    @Test
    void configuredZoneIsUsedForTheLocalTimestamps() {
        final VzdumpLog log = new VzdumpLog(TASK_START, ZoneId.of("Europe/Berlin"));
        assertEquals(List.of("BACKUP_START 201 2026-02-26T02:20:01Z null",
                        "BACKUP_END 201 2026-02-26T02:31:03Z ok"),
                feed(log,
                        "INFO: starting new backup job: vzdump 201 --storage=pbs-main --job-id backup-6a1f2b3c --mode snapshot",
                        "INFO: Starting Backup of VM 201 (qemu)",
                        "INFO: Backup started at 2026-02-26 03:20:01",
                        "INFO: Finished Backup of VM 201 (00:11:02)",
                        "INFO: Backup finished at 2026-02-26 03:31:03"));
        assertEquals("pbs-main", log.storage());
        assertEquals("backup-6a1f2b3c", log.jobId());
    }

    @Test
    void offsetIsInferredFromTheTaskStart() {
        // UTC host: zero offset; NZDT host (+13:00) is covered by BackupTaskPollerTest.
        final VzdumpLog log = new VzdumpLog(TASK_START, null);
        assertEquals(List.of("BACKUP_START 201 2026-02-26T02:20:07Z null"),
                feed(log, "INFO: Starting Backup of VM 201 (qemu)", "INFO: Backup started at 2026-02-26 02:20:07"));
        // India, +05:30: 07:50 local is 02:20 UTC.
        final VzdumpLog india = new VzdumpLog(TASK_START, null);
        assertEquals(List.of("BACKUP_START 7 2026-02-26T02:20:02Z null"),
                feed(india, "INFO: Starting Backup of VM 7 (lxc)", "INFO: Backup started at 2026-02-26 07:50:02"));
        assertNull(india.storage());
    }

    @Test
    void missingTimestampLinesFallBackToWhatIsKnown() {
        final VzdumpLog log = new VzdumpLog(TASK_START, null);
        final List<String> phases = feed(log,
                "INFO: Starting Backup of VM 201 (qemu)",
                "INFO: Backup started at 2026-02-26 02:20:01",
                "INFO: Finished Backup of VM 201 (00:10:00)",
                // no "Backup finished at": start + duration when the next guest begins
                "INFO: Starting Backup of VM 202 (qemu)",
                // no "Backup started at": the previous guest's end
                "ERROR: Backup of VM 202 failed - unable to open file '/dev/zvol/rpool/data/vm-202-disk-0'",
                "INFO: Starting Backup of VM 203 (qemu)",
                "INFO: Backup started at 2026-02-26 02:31:00");
        assertEquals(List.of(
                "BACKUP_START 201 2026-02-26T02:20:01Z null",
                "BACKUP_END 201 2026-02-26T02:30:01Z ok",
                "BACKUP_START 202 2026-02-26T02:30:01Z null",
                "BACKUP_ABORT 202 2026-02-26T02:30:01Z unable to open file '/dev/zvol/rpool/data/vm-202-disk-0'",
                "BACKUP_START 203 2026-02-26T02:31:00Z null"), phases);

        // The job was stopped while 203 ran.
        final Instant end = Instant.parse("2026-02-26T02:40:00Z");
        assertEquals(List.of(new VzdumpLog.GuestPhase(203, BackupPhase.BACKUP_ABORT, end, "interrupted by signal")),
                log.finish(end, "interrupted by signal"));
    }

    @Test
    void upidIsParsed() {
        final Upid u = Upid.parse("UPID:ruapehu:0000A1B2:0123ABCD:699FADD0:vzdump::root@pam:").orElseThrow();
        assertEquals("ruapehu", u.node());
        assertEquals("vzdump", u.type());
        assertEquals("", u.id());
        assertEquals("root@pam", u.user());
        assertEquals(TASK_START, u.startTime());
        assertEquals(true, Upid.parse("not-a-upid").isEmpty());
    }
}
