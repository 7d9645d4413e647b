package io.incidentcorrelator.classify;

import java.time.Duration;
import java.util.Objects;

/**
 * Thresholds and spans the classifier reasons with. Defaults (defined with the settings, in
 * {@code config.CorrelatorSettings}) come from the runbooks:
 * etcd wants WAL fsync p99 under 10 ms, a starving host shows memory at 95 % or more,
 * a reclaimed balloon or high memory PSI; CPU or iowait saturation has to last to matter.
 */
public record ClassifierConfig(
        Duration backupCoolDown,
        Duration maxBackupDuration,
        Duration evidenceLookback,
        double etcdWalFsyncP99Ms,
        int etcdSlowApplies,
        double etcdFragmentedInUseRatio,
        double hostMemoryUsedRatio,
        double balloonRatio,
        double memoryPsiSomeAvg10,
        double hostCpuUsage,
        double hostIoWait,
        Duration sustainedFor) {

    public static final String VERSION = "incident-correlator-classifier/1.0";

    public ClassifierConfig {
        Objects.requireNonNull(backupCoolDown, "backupCoolDown");
        Objects.requireNonNull(maxBackupDuration, "maxBackupDuration");
        Objects.requireNonNull(evidenceLookback, "evidenceLookback");
        Objects.requireNonNull(sustainedFor, "sustainedFor");
        requireNotNegative(backupCoolDown, "backupCoolDown");
        requireNotNegative(evidenceLookback, "evidenceLookback");
        requireNotNegative(sustainedFor, "sustainedFor");
        if (maxBackupDuration.isZero() || maxBackupDuration.isNegative()) {
            throw new IllegalArgumentException("maxBackupDuration must be positive, was " + maxBackupDuration);
        }
        requireRatio(etcdFragmentedInUseRatio, "etcdFragmentedInUseRatio");
        requireRatio(hostMemoryUsedRatio, "hostMemoryUsedRatio");
        requireRatio(balloonRatio, "balloonRatio");
        requireRatio(hostCpuUsage, "hostCpuUsage");
        requireRatio(hostIoWait, "hostIoWait");
        if (etcdWalFsyncP99Ms <= 0) {
            throw new IllegalArgumentException("etcdWalFsyncP99Ms must be positive, was " + etcdWalFsyncP99Ms);
        }
        if (etcdSlowApplies < 1) {
            throw new IllegalArgumentException("etcdSlowApplies must be at least 1, was " + etcdSlowApplies);
        }
        if (memoryPsiSomeAvg10 <= 0 || memoryPsiSomeAvg10 > 100) {
            throw new IllegalArgumentException("memoryPsiSomeAvg10 must be in (0, 100], was " + memoryPsiSomeAvg10);
        }
    }

    /** The defaults of the {@code incident-correlator.*} settings, where they and their meanings are defined. */
    public static ClassifierConfig defaults() {
        return io.incidentcorrelator.config.CorrelatorSettings.classifierConfig(
                io.incidentcorrelator.config.CorrelatorSettings.DEFAULTS);
    }

    private static void requireNotNegative(Duration d, String name) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
    }

    private static void requireRatio(double value, String name) {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be a ratio in (0, 1], was " + value);
        }
    }
}
