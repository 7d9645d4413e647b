package io.incidentcorrelator.runtime;

/** Small helpers for turning failures into one line a person can read. */
public final class Failures {

    private Failures() {
    }

    /** The innermost cause, as "Type: message". */
    public static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /** Sleeps, turning an interrupt into an exception after restoring the flag. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
