package io.incidentcorrelator.replay;

/**
 * A scenario line that cannot be replayed. The message is {@code FILE:LINE: reason}, the form
 * editors and terminals turn into a link to the line.
 */
public final class ScenarioFormatException extends Exception {

    private final String source;
    private final int line;
    private final String reason;

    public ScenarioFormatException(String source, int line, String reason) {
        super(source + ":" + line + ": " + reason);
        this.source = source;
        this.line = line;
        this.reason = reason;
    }

    /** The file name as it was given to the reader. */
    public String source() {
        return source;
    }

    /** The 1-based line number. */
    public int line() {
        return line;
    }

    /** The message without the {@code FILE:LINE: } prefix. */
    public String reason() {
        return reason;
    }
}
