package io.incidentcorrelator.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap and RSS of this process while a phase runs. Heap peak is the most heap in use at any
 * moment (what -Xmx must hold: measured before each collection and by the pools' peak), the
 * live peak what remained after a collection (what the application really keeps).
 */
final class MemoryWatch implements AutoCloseable {

    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakLive = new AtomicLong();
    private final List<Runnable> unregister = new ArrayList<>();
    private final boolean rssReset;

    MemoryWatch() {
        rssReset = resetRssPeak();
        final NotificationListener listener = this::onGc;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                unregister.add(() -> {
                    try {
                        emitter.removeNotificationListener(listener);
                    } catch (Exception ignored) {
                        // already gone
                    }
                });
            }
        }
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        final GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        peakUsed.accumulateAndGet(sum(info.getGcInfo().getMemoryUsageBeforeGc()), Math::max);
        peakLive.accumulateAndGet(sum(info.getGcInfo().getMemoryUsageAfterGc()), Math::max);
    }

    private static long sum(Map<String, MemoryUsage> usage) {
        // Only heap pools: the GC info also lists metaspace and code cache.
        long total = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            final MemoryUsage u = usage.get(pool.getName());
            if (pool.getType() == MemoryType.HEAP && u != null) {
                total += u.getUsed();
            }
        }
        return total;
    }

    /** Most heap in use during the phase, in bytes: the fullest the heap got before a collection. */
    long heapPeak() {
        // The pools' own peaks are not used: each peaks at a different moment, so their sum overstates.
        return Math.max(peakUsed.get(), ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    /** Most heap still in use right after a collection during the phase, in bytes (0 if none ran). */
    long liveHeapPeak() {
        return peakLive.get();
    }

    /** Peak resident set size in bytes (VmHWM), or -1 where /proc is not available. */
    static long rssPeak() {
        return procStatus("VmHWM:");
    }

    /** Whether {@link #rssPeak} covers this phase only, not the whole process lifetime. */
    boolean rssPeakIsPhaseOnly() {
        return rssReset;
    }

    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Writing 5 to clear_refs resets VmHWM (Linux 4.0+), so the peak is the phase's own. */
    private static boolean resetRssPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        unregister.forEach(Runnable::run);
    }
}
