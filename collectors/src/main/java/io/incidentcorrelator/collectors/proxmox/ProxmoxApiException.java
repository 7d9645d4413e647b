package io.incidentcorrelator.collectors.proxmox;

/**
 * A Proxmox API call that did not give data. The message is safe to log: it never contains the
 * token secret or request headers.
 */
public final class ProxmoxApiException extends Exception {

    /** What went wrong, coarse enough to decide what to tell the operator. */
    public enum Kind { AUTH, FORBIDDEN, SERVER, CLIENT, TIMEOUT, CONNECT, TLS, IO, BAD_RESPONSE }

    private final Kind kind;
    private final int status;

    ProxmoxApiException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status, or 0 when there was no response. */
    public int status() {
        return status;
    }

    /** Whether the whole source is unusable (not just one guest): stop the node's poll and back off. */
    boolean affectsWholeSource() {
        return kind != Kind.SERVER && kind != Kind.CLIENT && kind != Kind.BAD_RESPONSE;
    }
}
