package io.incidentcorrelator.collectors.etcd.internal;

/** A line the parser could not read: its 1-based number, what was wrong, and (shortened) text. */
public record ParseError(int lineNumber, String problem, String line) {

    @Override
    public String toString() {
        return "line " + lineNumber + ": " + problem + ": " + line;
    }
}
