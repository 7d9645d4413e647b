package io.incidentcorrelator.collectors.proxmox.internal;

import io.incidentcorrelator.avro.BackupPhase;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one vzdump task log line by line and reports per-guest phases. vzdump writes, per guest:
 *
 * <pre>
 * INFO: Starting Backup of VM 201 (qemu)
 * INFO: Backup started at 2026-02-26 03:20:05
 * ...
 * INFO: Finished Backup of VM 201 (00:11:02)          or  ERROR: Backup of VM 201 failed - &lt;reason&gt;
 * INFO: Backup finished at 2026-02-26 03:31:07       or  INFO: Failed at 2026-02-26 03:25:00
 * </pre>
 *
 * and first {@code INFO: starting new backup job: vzdump ... --storage pbs-main ...}.
 *
 * <p>The timestamps are the host's local time and the log does not say which zone that is. With
 * no zone configured the offset is inferred once per task: the first guest starts within seconds
 * of the task, whose start is known in epoch seconds, and real offsets are multiples of 15 min.
 * (Wrong if vzdump waited long for its global lock before the first guest; configure the zone then.)
 * When a timestamp line is missing, times fall back to what is known: the previous guest's end,
 * start plus duration, or the task's end.
 */
public final class VzdumpLog {

    /** One per-guest phase read from the log. */
    public record GuestPhase(int vmid, BackupPhase phase, Instant time, String status) {
    }

    private static final Pattern JOB_LINE = Pattern.compile("^INFO: starting new backup job: vzdump(.*)$");
    private static final Pattern STORAGE_OPT = Pattern.compile("--storage[ =](\\S+)");
    private static final Pattern JOB_ID_OPT = Pattern.compile("--job-id[ =](\\S+)");
    private static final Pattern STARTING = Pattern.compile("^INFO: Starting Backup of VM (\\d+) \\((\\w+)\\)");
    private static final Pattern STARTED_AT = Pattern.compile("^INFO: Backup started at (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)");
    private static final Pattern FINISHED = Pattern.compile("^INFO: Finished Backup of VM (\\d+) \\((\\d+):(\\d\\d):(\\d\\d)\\)");
    private static final Pattern FINISHED_AT = Pattern.compile("^INFO: Backup finished at (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)");
    private static final Pattern FAILED = Pattern.compile("^ERROR: Backup of VM (\\d+) failed - (.*)$");
    private static final Pattern FAILED_AT = Pattern.compile("^INFO: Failed at (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)");
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final int MAX_STATUS = 500;

    private final Instant taskStart;
    private final ZoneId zone;
    private ZoneOffset inferredOffset;

    private String storage;
    private String jobId;

    private Integer currentVmid;
    private Instant currentStart;
    private boolean startReported;
    private Instant lastEnd;

    private Integer endingVmid;
    private BackupPhase endingPhase;
    private String endingStatus;
    private Duration endingDuration;

    /**
     * @param taskStart the task's start time (from the task list)
     * @param zone      the hosts' time zone, or null to infer the offset
     */
    public VzdumpLog(Instant taskStart, ZoneId zone) {
        this.taskStart = taskStart;
        this.zone = zone;
    }

    public String storage() {
        return storage;
    }

    public String jobId() {
        return jobId;
    }

    /** Feeds the next line; returns the phases it completes (often none). */
    public List<GuestPhase> accept(String line) {
        final List<GuestPhase> out = new ArrayList<>(2);
        if (line == null) {
            return out;
        }
        Matcher m;
        if ((m = JOB_LINE.matcher(line)).find()) {
            final Matcher s = STORAGE_OPT.matcher(m.group(1));
            if (s.find()) {
                storage = s.group(1);
            }
            final Matcher j = JOB_ID_OPT.matcher(m.group(1));
            if (j.find()) {
                jobId = j.group(1);
            }
        } else if ((m = STARTING.matcher(line)).find()) {
            flushEnd(out, null);
            currentVmid = Integer.parseInt(m.group(1));
            currentStart = null;
            startReported = false;
        } else if ((m = STARTED_AT.matcher(line)).find()) {
            if (currentVmid != null && !startReported) {
                currentStart = toInstant(m.group(1));
                reportStart(out, currentStart);
            }
        } else if ((m = FINISHED.matcher(line)).find()) {
            final int vmid = Integer.parseInt(m.group(1));
            flushEnd(out, null);
            ensureStartReported(out, vmid);
            endingVmid = vmid;
            endingPhase = BackupPhase.BACKUP_END;
            endingStatus = "ok";
            endingDuration = Duration.ofHours(Long.parseLong(m.group(2)))
                    .plusMinutes(Long.parseLong(m.group(3))).plusSeconds(Long.parseLong(m.group(4)));
        } else if ((m = FINISHED_AT.matcher(line)).find()) {
            if (endingPhase == BackupPhase.BACKUP_END) {
                flushEnd(out, toInstant(m.group(1)));
            }
        } else if ((m = FAILED.matcher(line)).find()) {
            final int vmid = Integer.parseInt(m.group(1));
            flushEnd(out, null);
            ensureStartReported(out, vmid);
            endingVmid = vmid;
            endingPhase = BackupPhase.BACKUP_ABORT;
            final String reason = m.group(2).trim();
            endingStatus = reason.length() > MAX_STATUS ? reason.substring(0, MAX_STATUS) + "..." : reason;
            endingDuration = null;
        } else if ((m = FAILED_AT.matcher(line)).find()) {
            if (endingPhase == BackupPhase.BACKUP_ABORT) {
                flushEnd(out, toInstant(m.group(1)));
            }
        }
        return out;
    }

    /**
     * The task has ended and its whole log was read: reports what is still open, an end
     * without its timestamp line as of {@code taskEnd}, and a guest that started but never
     * finished (the job was killed) as aborted at {@code taskEnd}.
     */
    public List<GuestPhase> finish(Instant taskEnd, String taskStatus) {
        final List<GuestPhase> out = new ArrayList<>(2);
        flushEnd(out, null, taskEnd);
        if (currentVmid != null) {
            if (!startReported) {
                reportStart(out, fallbackStart());
            }
            out.add(new GuestPhase(currentVmid, BackupPhase.BACKUP_ABORT, taskEnd,
                    taskStatus == null ? "task ended during the backup" : taskStatus));
            currentVmid = null;
        }
        return out;
    }

    private void ensureStartReported(List<GuestPhase> out, int vmid) {
        if (currentVmid == null || currentVmid != vmid) {
            currentVmid = vmid;
            startReported = false;
            currentStart = null;
        }
        if (!startReported) {
            currentStart = fallbackStart();
            reportStart(out, currentStart);
        }
    }

    private void reportStart(List<GuestPhase> out, Instant time) {
        out.add(new GuestPhase(currentVmid, BackupPhase.BACKUP_START, time, null));
        startReported = true;
    }

    private Instant fallbackStart() {
        return lastEnd != null ? lastEnd : taskStart;
    }

    private void flushEnd(List<GuestPhase> out, Instant stamped) {
        flushEnd(out, stamped, null);
    }

    private void flushEnd(List<GuestPhase> out, Instant stamped, Instant taskEnd) {
        if (endingVmid == null) {
            return;
        }
        Instant time = stamped;
        if (time == null && endingDuration != null && currentStart != null && endingVmid.equals(currentVmid)) {
            time = currentStart.plus(endingDuration);
        }
        if (time == null) {
            time = taskEnd != null ? taskEnd : fallbackStart();
        }
        out.add(new GuestPhase(endingVmid, endingPhase, time, endingStatus));
        lastEnd = time;
        if (endingVmid.equals(currentVmid)) {
            currentVmid = null;
        }
        endingVmid = null;
        endingPhase = null;
        endingStatus = null;
        endingDuration = null;
    }

    private Instant toInstant(String local) {
        final LocalDateTime ldt;
        try {
            ldt = LocalDateTime.parse(local, LOCAL);
        } catch (DateTimeParseException e) {
            return fallbackStart();
        }
        if (zone != null) {
            return ldt.atZone(zone).toInstant();
        }
        if (inferredOffset == null) {
            final long asUtc = ldt.toEpochSecond(ZoneOffset.UTC);
            final long diff = asUtc - taskStart.getEpochSecond();
            long quarters = Math.round(diff / 900.0);
            quarters = Math.max(-14 * 4, Math.min(14 * 4, quarters));
            inferredOffset = ZoneOffset.ofTotalSeconds((int) (quarters * 900));
        }
        return ldt.toInstant(inferredOffset);
    }
}
