package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.EtcdLatencySample;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How etcd of one cluster fared over the look-back window: the worst WAL fsync p99 and
 * which member showed it, slow applies, and the most fragmented member's database.
 */
public record EtcdPressure(
        String walPeakMember,
        double walFsyncP99PeakMs,
        Instant walPeakTime,
        Double backendCommitP99PeakMs,
        int slowApplies,
        String fragmentedMember,
        Long dbSizeBytes,
        Long dbSizeInUseBytes) {

    public static final EtcdPressure NONE = new EtcdPressure(null, 0, null, null, 0, null, null, null);

    public static EtcdPressure summarize(List<EtcdLatencySample> samples) {
        if (samples.isEmpty()) {
            return NONE;
        }
        final List<EtcdLatencySample> sorted = samples.stream()
                .sorted(Comparator.comparing(EtcdLatencySample::getTime).thenComparing(EtcdLatencySample::getMember))
                .toList();
        EtcdLatencySample worst = null;
        Double commitPeak = null;
        int slow = 0;
        final Map<String, EtcdLatencySample> latestByMember = new TreeMap<>();
        for (EtcdLatencySample s : sorted) {
            if (worst == null || s.getWalFsyncP99Ms() > worst.getWalFsyncP99Ms()) {
                worst = s;
            }
            if (s.getBackendCommitP99Ms() != null && (commitPeak == null || s.getBackendCommitP99Ms() > commitPeak)) {
                commitPeak = s.getBackendCommitP99Ms();
            }
            if (s.getSlowApplies() != null && s.getSlowApplies() > 0) {
                slow += s.getSlowApplies();
            }
            if (s.getDbSizeBytes() != null && s.getDbSizeInUseBytes() != null && s.getDbSizeBytes() > 0) {
                latestByMember.put(s.getMember(), s);
            }
        }
        EtcdLatencySample mostFragmented = null;
        for (EtcdLatencySample s : latestByMember.values()) {
            if (mostFragmented == null || inUseRatio(s) < inUseRatio(mostFragmented)) {
                mostFragmented = s;
            }
        }
        return new EtcdPressure(worst.getMember(), worst.getWalFsyncP99Ms(), worst.getTime(), commitPeak, slow,
                mostFragmented == null ? null : mostFragmented.getMember(),
                mostFragmented == null ? null : mostFragmented.getDbSizeBytes(),
                mostFragmented == null ? null : mostFragmented.getDbSizeInUseBytes());
    }

    public boolean slow(ClassifierConfig c) {
        return walPeakMember != null
                && (walFsyncP99PeakMs > c.etcdWalFsyncP99Ms() || slowApplies >= c.etcdSlowApplies());
    }

    /** "A database far larger than its in-use size points at fragmentation (defrag)." */
    public boolean fragmented(ClassifierConfig c) {
        return dbSizeBytes != null && dbSizeInUseBytes != null && dbSizeBytes > 0
                && (double) dbSizeInUseBytes / dbSizeBytes < c.etcdFragmentedInUseRatio();
    }

    private static double inUseRatio(EtcdLatencySample s) {
        return (double) s.getDbSizeInUseBytes() / s.getDbSizeBytes();
    }
}
