package io.incidentcorrelator.serde;

/**
 * A schema registry call failed: the registry is unreachable, or it answered with an error.
 *
 * <p>The message names the registry URL (without credentials), what was being done (subject or id), and the HTTP status,
 * {@code error_code} and message from the registry's JSON error body when there was one.
 */
public final class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Used for {@link #httpStatus()} / {@link #errorCode()} when the registry gave none (e.g. connection refused). */
    public static final int NONE = -1;

    private final int httpStatus;
    private final int errorCode;
    private final String registryMessage;

    /**
     * @param message         the whole message, naming registry, operation and error
     * @param httpStatus      the registry's HTTP status or {@link #NONE}
     * @param errorCode       the registry's {@code error_code} or {@link #NONE}
     * @param registryMessage the registry's own {@code message} or null
     * @param cause           the underlying exception or null
     */
    public SchemaRegistryException(String message, int httpStatus, int errorCode, String registryMessage, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
        this.registryMessage = registryMessage;
    }

    /** HTTP status of the registry's answer, or {@link #NONE} when there was no answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent {@code error_code} (e.g. 40401 subject not found, 40403 schema not found, 409 incompatible), or {@link #NONE}. */
    public int errorCode() {
        return errorCode;
    }

    /** The {@code message} of the registry's JSON error body, or null when there was none. */
    public String registryMessage() {
        return registryMessage;
    }

    /**
     * True when the registry could not give an answer about the schema at all: no answer, a 5xx, credentials
     * rejected (401, 403), a timeout (408) or rate limiting (429). Worth retrying later; says nothing about the data.
     */
    public boolean isUnavailable() {
        return httpStatus == NONE || httpStatus >= 500 || httpStatus == 401 || httpStatus == 403 || httpStatus == 408
                || httpStatus == 429;
    }

    /** True when the registry said the subject, version or schema does not exist. */
    public boolean isNotFound() {
        return httpStatus == 404;
    }
}
