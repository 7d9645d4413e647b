package io.incidentcorrelator.cli;

/** One line a person can read instead of a stack trace. */
final class Messages {

    private Messages() {
    }

    static String describe(Throwable t) {
        final StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
        Throwable cause = t.getCause();
        int depth = 0;
        while (cause != null && cause != t && depth++ < 4) {
            if (cause.getMessage() != null && !sb.toString().contains(cause.getMessage())) {
                sb.append(": ").append(cause.getMessage());
            }
            t = cause;
            cause = cause.getCause();
        }
        return sb.toString();
    }
}
