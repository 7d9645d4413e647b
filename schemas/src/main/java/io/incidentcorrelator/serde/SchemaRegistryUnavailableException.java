package io.incidentcorrelator.serde;

import org.apache.kafka.common.errors.RetriableException;

/**
 * A record could not be read because the schema registry could not answer (connection refused, timeout, 5xx, auth
 * rejected, garbled answer): the record itself may be perfectly fine.
 *
 * <p>Deliberately <em>not</em> a {@link org.apache.kafka.common.errors.SerializationException}: code that skips or
 * dead-letters records it cannot deserialize must not throw good records away while the registry is down. Retry the
 * record later instead, or stop.
 */
public final class SchemaRegistryUnavailableException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public SchemaRegistryUnavailableException(String message, SchemaRegistryException cause) {
        super(message, cause);
    }

    /** True when {@code t} or one of its causes says the registry was unavailable. */
    public static boolean isCauseOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SchemaRegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
