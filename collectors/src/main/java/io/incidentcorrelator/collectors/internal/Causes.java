package io.incidentcorrelator.collectors.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns an exception chain into one log-line reason: the innermost cause (where "connection
 * refused" or "unexpected end of input" lives), not the wrapper's "operation failed".
 */
public final class Causes {

    private Causes() {
    }

    /** The innermost cause of {@code t} (itself when it has none). */
    public static Throwable root(Throwable t) {
        Throwable e = t;
        int depth = 0;
        while (e.getCause() != null && e.getCause() != e && depth++ < 20) {
            e = e.getCause();
        }
        return e;
    }

    /** {@code t} without the future wrappers around it. */
    public static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** {@code SimpleName: first line of the message}; Jackson's messages go on for lines. */
    public static String oneLine(Throwable e) {
        final String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            return e.getClass().getSimpleName();
        }
        final String first = msg.strip().lines().findFirst().orElse("").strip();
        return e.getClass().getSimpleName() + ": " + first;
    }
}
