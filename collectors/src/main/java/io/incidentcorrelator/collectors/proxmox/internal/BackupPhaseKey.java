package io.incidentcorrelator.collectors.proxmox.internal;

import io.incidentcorrelator.avro.BackupPhase;

import java.util.Objects;

/**
 * What makes two backup events "the same phase" for deduplication, shared by the API poller and
 * the vzdump hook endpoint so both paths agree.
 *
 * <p>End and abort are one slot: a job (or a guest's backup) ends once, and the two paths can
 * disagree on how (the hook sees {@code job-end} even when guests failed; the task status then
 * says {@code job errors}). Whichever arrives first is kept.
 *
 * @param host  Proxmox node running vzdump
 * @param slot  {@code job-start}, {@code job-final}, {@code backup-start} or {@code backup-final}
 * @param vmid  guest, or null for job-level phases
 */
public record BackupPhaseKey(String host, String slot, Integer vmid) {

    public BackupPhaseKey {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(slot, "slot");
    }

    public static BackupPhaseKey of(String host, BackupPhase phase, Integer vmid) {
        return new BackupPhaseKey(host, slot(phase), vmid);
    }

    static String slot(BackupPhase phase) {
        return switch (phase) {
            case JOB_START -> "job-start";
            case JOB_END, JOB_ABORT -> "job-final";
            case BACKUP_START -> "backup-start";
            case BACKUP_END, BACKUP_ABORT -> "backup-final";
            case UNKNOWN -> "unknown";
        };
    }

    @Override
    public String toString() {
        return host + "/" + slot + (vmid == null ? "" : "/" + vmid);
    }
}
