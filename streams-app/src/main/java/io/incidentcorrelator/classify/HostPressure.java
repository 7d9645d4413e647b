package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.MemorySample;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Peaks of a Proxmox host's (and the node's guest's) resource samples over the look-back
 * window before a restart. CPU and iowait count only when saturation lasted: a single busy
 * sample is normal, a host that stays saturated starves its guests.
 */
public record HostPressure(
        String host,
        Peak memoryUsed,
        Peak cpu,
        Duration cpuSaturatedFor,
        Peak ioWait,
        Duration ioWaitSaturatedFor,
        Peak memoryPsi,
        Peak balloonLowest,
        Integer guestVmid,
        String guestName,
        Long balloonActualBytes,
        Long balloonMaxBytes) {

    /** A value and when it was seen; ratios are 0..1, PSI 0..100. */
    public record Peak(double value, Instant time) {
    }

    public static final HostPressure NONE = new HostPressure(null, null, null, Duration.ZERO, null, Duration.ZERO,
            null, null, null, null, null, null);

    /**
     * @param hostSamples  samples of the host itself inside the window
     * @param guestSamples samples of the restarted pod's guest VM inside the window (may be empty)
     */
    public static HostPressure summarize(String host, List<MemorySample> hostSamples, List<MemorySample> guestSamples,
                                         ClassifierConfig config) {
        final List<MemorySample> hosts = hostSamples.stream().sorted(Comparator.comparing(MemorySample::getTime)).toList();
        final List<MemorySample> guests = guestSamples.stream().sorted(Comparator.comparing(MemorySample::getTime)).toList();

        final Peak memory = max(hosts, s -> s.getMemTotalBytes() > 0
                ? (double) s.getMemUsedBytes() / s.getMemTotalBytes() : null);
        final Peak cpu = max(hosts, MemorySample::getCpuUsage);
        final Peak ioWait = max(hosts, MemorySample::getIoWait);
        final Peak psiHost = max(hosts, MemorySample::getMemPressureSomeAvg10);
        final Peak psiGuest = max(guests, MemorySample::getMemPressureSomeAvg10);
        final Peak psi = psiHost == null ? psiGuest
                : psiGuest == null ? psiHost
                : psiGuest.value() > psiHost.value() ? psiGuest : psiHost;

        Peak balloonLowest = null;
        Integer vmid = null;
        String vmName = null;
        Long actual = null;
        Long maximum = null;
        for (MemorySample s : guests) {
            vmid = s.getVmid();
            vmName = s.getVmName() != null ? s.getVmName() : vmName;
            final Long a = s.getBalloonActualBytes();
            final Long m = s.getBalloonMaxBytes();
            if (a != null && m != null && m > 0) {
                final double ratio = (double) a / m;
                if (balloonLowest == null || ratio < balloonLowest.value()) {
                    balloonLowest = new Peak(ratio, s.getTime());
                    actual = a;
                    maximum = m;
                }
            }
        }
        return new HostPressure(host, memory, cpu,
                longestRunAtOrAbove(hosts, MemorySample::getCpuUsage, config.hostCpuUsage()),
                ioWait,
                longestRunAtOrAbove(hosts, MemorySample::getIoWait, config.hostIoWait()),
                psi, balloonLowest, vmid, vmName, actual, maximum);
    }

    public boolean memoryFull(ClassifierConfig c) {
        return memoryUsed != null && memoryUsed.value() >= c.hostMemoryUsedRatio();
    }

    public boolean balloonReclaimed(ClassifierConfig c) {
        return balloonLowest != null && balloonLowest.value() < c.balloonRatio();
    }

    public boolean memoryPsiHigh(ClassifierConfig c) {
        return memoryPsi != null && memoryPsi.value() >= c.memoryPsiSomeAvg10();
    }

    public boolean memoryPressure(ClassifierConfig c) {
        return memoryFull(c) || balloonReclaimed(c) || memoryPsiHigh(c);
    }

    public boolean cpuSaturated(ClassifierConfig c) {
        return cpu != null && cpu.value() >= c.hostCpuUsage() && cpuSaturatedFor.compareTo(c.sustainedFor()) >= 0;
    }

    public boolean ioWaitSaturated(ClassifierConfig c) {
        return ioWait != null && ioWait.value() >= c.hostIoWait() && ioWaitSaturatedFor.compareTo(c.sustainedFor()) >= 0;
    }

    public boolean cpuContention(ClassifierConfig c) {
        return cpuSaturated(c) || ioWaitSaturated(c);
    }

    private static Peak max(List<MemorySample> samples, Function<MemorySample, Double> value) {
        Peak best = null;
        for (MemorySample s : samples) {
            final Double v = value.apply(s);
            if (v != null && !v.isNaN() && (best == null || v > best.value())) {
                best = new Peak(v, s.getTime());
            }
        }
        return best;
    }

    /**
     * Longest span between the first and last sample of a run at or above the threshold. A
     * single sample below it does not end the run (real saturation is noisy: 0.97, 0.88, 0.96);
     * two in a row do.
     */
    static Duration longestRunAtOrAbove(List<MemorySample> sorted, Function<MemorySample, Double> value,
                                        double threshold) {
        Duration longest = Duration.ZERO;
        Instant runStart = null;
        int misses = 0;
        for (MemorySample s : sorted) {
            final Double v = value.apply(s);
            if (v == null) {
                continue;
            }
            if (v >= threshold) {
                if (runStart == null) {
                    runStart = s.getTime();
                }
                misses = 0;
                final Duration run = Duration.between(runStart, s.getTime());
                if (run.compareTo(longest) > 0) {
                    longest = run;
                }
            } else if (runStart != null && ++misses >= 2) {
                runStart = null;
                misses = 0;
            }
        }
        return longest;
    }
}
