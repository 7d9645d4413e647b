package io.incidentcorrelator.topology.internal;

import org.apache.avro.specific.SpecificRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One series' samples of one minute (a host, a guest, a cluster's etcd members), as one value of an
 * evidence window store. Storing a minute per value instead of a value per sample lets the store's
 * cache hand the changelog one record per series and minute between two commits instead of one per
 * sample (six a minute for a Proxmox series, twenty for a cluster's etcd), which was the largest
 * single cost of the classifier's task (see docs/performance.md).
 *
 * <p>The value written to the store is the samples' encodings framed as an Avro array; each sample
 * is encoded once, when the bucket is first written (a replay writes few: most minutes are past
 * the retention by the time the task commits). A sample identical to one already held is not added
 * again: the router sends a host's sample once per cluster on that host, and copies would read as
 * a longer dip in {@code HostPressure}'s saturation runs, which forgive a single low sample. Only
 * samples of the same instant are compared, by their encodings.
 */
public final class EvidenceBucket<T extends SpecificRecord> {

    /** How much event time one bucket covers. */
    public static final Duration WIDTH = Duration.ofMinutes(1);

    // Item encodings come from AvroBinarySerde, behind its format-version byte.
    private static final int ITEM_OFFSET = 1;

    private final EvidenceBucketSerde<T> codec;
    private final List<T> samples;
    // The samples' encodings back to back, and where each one ends; built lazily for buckets read from a store.
    private byte[] encoded;
    private int length;
    private int[] ends;

    EvidenceBucket(EvidenceBucketSerde<T> codec, List<T> samples) {
        this.codec = codec;
        this.samples = new ArrayList<>(samples);
    }

    /** Start of the bucket holding event time {@code millis}. */
    public static long startOf(long millis) {
        final long width = WIDTH.toMillis();
        return Math.floorDiv(millis, width) * width;
    }

    /** The samples in the order they were added. */
    public List<T> samples() {
        return Collections.unmodifiableList(samples);
    }

    public int size() {
        return samples.size();
    }

    /** Adds {@code sample} unless an identical one is held; true if the bucket changed. */
    public boolean add(T sample) {
        final Object time = codec.timeOf(sample);
        byte[] bytes = null;
        for (int i = 0; i < samples.size(); i++) {
            final T held = samples.get(i);
            if (held == sample) {
                return false; // the router's copy for another cluster, in the same task
            }
            if (time != null && !time.equals(codec.timeOf(held))) {
                continue; // another instant: another sample
            }
            ensureEncoded();
            if (bytes == null) {
                bytes = codec.encodeItem(sample);
            }
            final int start = i == 0 ? 0 : ends[i - 1];
            if (Arrays.equals(encoded, start, ends[i], bytes, ITEM_OFFSET, bytes.length)) {
                return false;
            }
        }
        if (encoded != null) {
            append(bytes != null ? bytes : codec.encodeItem(sample));
        }
        samples.add(sample);
        return true;
    }

    private void ensureEncoded() {
        if (encoded != null) {
            return;
        }
        encoded = new byte[Math.max(256, samples.size() * 128)];
        ends = new int[Math.max(8, samples.size() + 4)];
        length = 0;
        final int held = samples.size();
        for (int i = 0; i < held; i++) {
            appendEncoding(codec.encodeItem(samples.get(i)), i);
        }
    }

    private void append(byte[] bytes) {
        appendEncoding(bytes, samples.size());
    }

    private void appendEncoding(byte[] bytes, int index) {
        final int size = bytes.length - ITEM_OFFSET;
        if (length + size > encoded.length) {
            encoded = Arrays.copyOf(encoded, Math.max(encoded.length * 2, length + size));
        }
        System.arraycopy(bytes, ITEM_OFFSET, encoded, length, size);
        length += size;
        if (index >= ends.length) {
            ends = Arrays.copyOf(ends, ends.length * 2);
        }
        ends[index] = length;
    }

    /** The held samples' encodings, back to back (to {@link EvidenceBucketSerde}). */
    byte[] encodedItems() {
        ensureEncoded();
        return encoded;
    }

    int encodedLength() {
        ensureEncoded();
        return length;
    }
}
