package io.incidentcorrelator.topology.internal;

import io.incidentcorrelator.avro.PodRestart;

/**
 * The key of a restart in the {@code classified-restarts} store: cluster, finish time, container and
 * restart count. Its text form ({@code cluster|time|ns/pod/container|count}, numbers zero-padded)
 * sorts a cluster's restarts by time, so a time range is a key range.
 */
public record RestartKey(String cluster, long time, String container, int restartCount) {

    private static final String SEP = "|";

    public static RestartKey of(PodRestart r) {
        return new RestartKey(r.getCluster(), r.getFinishedAt().toEpochMilli(),
                r.getNamespace() + "/" + r.getPod() + "/" + r.getContainer(), r.getRestartCount());
    }

    public static RestartKey parse(String key) {
        final int a = key.indexOf(SEP);
        final int b = key.indexOf(SEP, a + 1);
        final int c = key.lastIndexOf(SEP);
        return new RestartKey(key.substring(0, a), Long.parseLong(key.substring(a + 1, b)), key.substring(b + 1, c),
                Integer.parseInt(key.substring(c + 1)));
    }

    /** The store key. */
    @Override
    public String toString() {
        return cluster + SEP + pad(time) + SEP + container + SEP + String.format("%010d", restartCount);
    }

    /** Every key of {@code cluster}, for a prefix scan. */
    public static String prefix(String cluster) {
        return cluster + SEP;
    }

    /** The lowest key of {@code cluster}'s restarts at {@code time} or later. */
    public static String from(String cluster, long time) {
        return cluster + SEP + pad(time);
    }

    /** Above every key of {@code cluster}'s restarts at {@code time} or earlier. */
    public static String through(String cluster, long time) {
        return cluster + SEP + pad(time) + SEP + '\uffff';
    }

    private static String pad(long millis) {
        return String.format("%015d", Math.max(0, millis));
    }
}
