package io.incidentcorrelator.sinks;

/**
 * A sink cannot go on: the receiver kept failing past the retries, or refused the sink's
 * credentials or address. The record it was working on is not committed, so a restarted sink
 * takes it up again.
 */
public final class SinkException extends RuntimeException {

    public SinkException(String message) {
        super(message);
    }

    public SinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
