package io.incidentcorrelator.replay.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** Small text helpers shared by the contract JSON conversion and the scenario reader. */
public final class JsonText {

    /** Long values (log messages) are cut so an error stays one readable line. */
    private static final int MAX_SHOWN = 60;

    private JsonText() {
    }

    /** A JSON value as the user wrote it, quoted if it is a string, shortened if long. */
    public static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNumber() && !Double.isFinite(node.doubleValue())) {
            return String.valueOf(node.doubleValue()); // Jackson would print "NaN" as if it were a string
        }
        String text = node.toString().replace('\n', ' ').replace('\r', ' ');
        return text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN) + "...";
    }

    /**
     * Parses an ISO-8601 time with {@code Z} or an offset, truncated to milliseconds because that
     * is all Avro {@code timestamp-millis} keeps; anything finer would not survive a round trip.
     *
     * @throws DateTimeParseException when the text is not such a time (a time without offset is
     *                                ambiguous and rejected too)
     */
    public static Instant parseInstant(String text) {
        return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .toInstant()
                .truncatedTo(ChronoUnit.MILLIS);
    }

    /** Escapes a value for use inside the double quotes of an error message. */
    public static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
