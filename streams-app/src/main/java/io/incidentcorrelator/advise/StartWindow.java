package io.incidentcorrelator.advise;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The span of the night in which the proposal may start jobs, on the night's axis
 * ({@link NightClock}); {@code 23:30-05:00} crosses midnight.
 */
public record StartWindow(int from, int to) {

    public static final String FORMAT = "HH:MM-HH:MM, e.g. 01:00-06:00 (23:00-05:00 crosses midnight)";
    private static final Pattern WINDOW = Pattern.compile("(\\d{1,2}:\\d{2})\\s*-\\s*(\\d{1,2}:\\d{2})");

    public StartWindow {
        if (from < 0 || to >= NightClock.DAY || to < from) {
            throw new IllegalArgumentException("window " + from + ".." + to + " is not within one night");
        }
    }

    /**
     * @throws IllegalArgumentException {@code --window: cannot read 'x'; expected HH:MM-HH:MM ...}
     */
    public static StartWindow parse(String text) {
        final Matcher m = WINDOW.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--window: cannot read '" + text + "'; expected " + FORMAT);
        }
        final int from;
        final int to;
        try {
            from = NightClock.minuteOf(LocalTime.parse(pad(m.group(1))));
            to = NightClock.minuteOf(LocalTime.parse(pad(m.group(2))));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--window: cannot read '" + text + "'; expected " + FORMAT);
        }
        if (to <= from) {
            throw new IllegalArgumentException("--window: '" + text + "' must end after it starts within one night "
                    + "(noon to noon); expected " + FORMAT);
        }
        return new StartWindow(from, to);
    }

    private static String pad(String hm) {
        return hm.length() == 4 ? "0" + hm : hm;
    }

    @Override
    public String toString() {
        return NightClock.hhmm(from) + "-" + NightClock.hhmm(to);
    }
}
