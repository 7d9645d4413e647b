package io.incidentcorrelator.serde;

import org.apache.avro.specific.SpecificRecord;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Value equality for generated records. Avro's own {@code equals} falls back to
 * {@code GenericData.compare}, which cannot resolve a union holding a logical type
 * ({@code ["null", timestamp-millis]} as {@link java.time.Instant}) and throws; comparing the
 * binary encodings is exact and never throws.
 */
public final class AvroRecords {

    private static final Map<Class<?>, AvroBinarySerde<?>> SERDES = new ConcurrentHashMap<>();

    private AvroRecords() {
    }

    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> boolean sameValue(T a, T b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null || a.getClass() != b.getClass()) {
            return false;
        }
        final AvroBinarySerde<T> serde = (AvroBinarySerde<T>) SERDES.computeIfAbsent(a.getClass(),
                c -> AvroBinarySerde.of((Class<T>) c));
        return Arrays.equals(serde.serialize(null, a), serde.serialize(null, b));
    }
}
