package io.incidentcorrelator.collectors.kubernetes;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Remembers, per container, the restart count last accounted for, so a restart is emitted once
 * however often the informer re-delivers a pod (watch reconnects, relists after {@code 410 Gone},
 * resyncs) and across collector restarts.
 *
 * <p>Keys are the contract's {@code cluster/namespace/pod/container}. The pod UID is kept with
 * the count: a pod deleted and recreated under the same name is a new pod whose count starts
 * over. {@link #put} and {@link #remove} may stay in memory until {@link #flush()}; the collector
 * flushes after every emitted restart and when it stops.
 */
public interface RestartLedger {

    /**
     * The restart count last accounted for in the pod with this UID, and whether the container's
     * current image-pull failure episode ({@code ErrImagePull} / {@code ImagePullBackOff}) was sent.
     */
    record Entry(String podUid, int restartCount, boolean imagePullReported) {
        public Entry {
            Objects.requireNonNull(podUid, "podUid");
            if (restartCount < 0) {
                throw new IllegalArgumentException("restartCount < 0");
            }
        }

        public Entry(String podUid, int restartCount) {
            this(podUid, restartCount, false);
        }
    }

    Optional<Entry> get(String key);

    void put(String key, Entry entry);

    void remove(String key);

    /** Every key held; a copy. */
    Set<String> keys();

    default boolean isEmpty() {
        return keys().isEmpty();
    }

    /** Makes every change so far durable. */
    void flush() throws IOException;
}
