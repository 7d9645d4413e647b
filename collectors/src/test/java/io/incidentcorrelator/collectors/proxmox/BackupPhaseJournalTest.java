package io.incidentcorrelator.collectors.proxmox;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.BackupPhase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/** A restarted collector must not send the backup phases it sent before it stopped. */
class BackupPhaseJournalTest {

    private static BackupEvent phase(BackupPhase phase, Integer vmid, String upid, String time) {
        return BackupEvent.newBuilder().setHost("ruapehu").setPhase(phase).setVmid(vmid).setUpid(upid)
                .setTime(Instant.parse(time)).build();
    }

    @Test
    void phasesSentBeforeARestartAreRecognisedAfterIt(@TempDir Path dir) throws Exception {
        final Path journal = dir.resolve("state/sent-phases.tsv");
        final String upid = "UPID:ruapehu:0000A1B2:0123ABCD:65DB8A40:vzdump::root@pam:";
        final BackupPhaseDedup before = BackupPhaseDedup.persistent(journal);
        assertTrue(before.firstTime(phase(BackupPhase.JOB_START, null, upid, "2026-02-26T02:00:00Z")));
        assertTrue(before.firstTime(phase(BackupPhase.BACKUP_START, 201, upid, "2026-02-26T02:00:05Z")));

        final BackupPhaseDedup after = BackupPhaseDedup.persistent(journal);
        assertFalse(after.firstTime(phase(BackupPhase.JOB_START, null, upid, "2026-02-26T02:00:00Z")),
                "the poller's lookback delivers the task again after a restart");
        assertFalse(after.firstTime(phase(BackupPhase.BACKUP_START, 201, null, "2026-02-26T02:00:40Z")),
                "the hook's post of the same phase, without UPID, within the window");
        assertTrue(after.firstTime(phase(BackupPhase.BACKUP_END, 201, upid, "2026-02-26T02:11:00Z")));
        assertTrue(after.firstTime(phase(BackupPhase.JOB_START, null, "UPID:ruapehu:0000FFFF:0123ABCD:65DCDBC0:vzdump::root@pam:",
                "2026-02-27T02:00:00Z")), "the next night's job is new");
    }

    @Test
    void anUnreadableLineCostsThatEntryOnly(@TempDir Path dir) throws Exception {
        final Path journal = dir.resolve("sent-phases.tsv");
        BackupPhaseDedup.persistent(journal).firstTime(phase(BackupPhase.JOB_START, null, "U1", "2026-02-26T02:00:00Z"));
        Files.writeString(journal, "garbage line\n", StandardOpenOption.APPEND);
        final BackupPhaseDedup reloaded = BackupPhaseDedup.persistent(journal);
        assertFalse(reloaded.firstTime(phase(BackupPhase.JOB_START, null, "U1", "2026-02-26T02:00:00Z")));
        assertFalse(Files.readString(journal).contains("garbage"), "compacted on start");
    }
}
