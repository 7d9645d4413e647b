package io.incidentcorrelator.topics;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/** Makes the value serde of a record type: registry-framed Avro in production, anything in tests. */
@FunctionalInterface
public interface ValueSerdes {

    <T extends SpecificRecord> Serde<T> forValue(Class<T> type);
}
