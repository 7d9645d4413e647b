package io.incidentcorrelator.collectors;

import org.apache.avro.specific.SpecificRecord;

/**
 * Where collectors put what they observed. The Kafka producer and the {@code --print} JSON
 * writer both implement this; collectors know nothing about either.
 *
 * <p>Implementations must not block for long: collectors call it from their poll loop.
 */
@FunctionalInterface
public interface EventWriter {

    /**
     * @param topic the topic the record belongs to (the collector's configured name)
     * @param key   the contract's key for the record, e.g. {@code cluster/member} or {@code host/vmid}
     * @param value an Avro record of the event contract
     */
    void send(String topic, String key, SpecificRecord value);
}
