package io.incidentcorrelator.advise;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How far back the advice looks: a span before the newest backup phase in the data ({@code 30d},
 * {@code 2w}, {@code 36h}), so that last month's files give the same report today as they did
 * then; or a fixed start (a UTC date or an ISO-8601 instant).
 */
public record SincePeriod(Duration back, Instant fixed) {

    public static final String FORMAT = "a span like 30d, 2w or 36h, a date (2026-02-01, UTC) or an "
            + "ISO-8601 time (2026-02-01T00:00:00Z)";
    private static final Pattern SPAN = Pattern.compile("(\\d{1,5})([hdw])");

    /** @throws IllegalArgumentException naming {@code --since} and the accepted forms */
    public static SincePeriod parse(String text) {
        final String v = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        final Matcher m = SPAN.matcher(v);
        if (m.matches()) {
            final long n = Long.parseLong(m.group(1));
            if (n == 0) {
                throw new IllegalArgumentException("--since: '" + text + "' is an empty span; expected " + FORMAT);
            }
            return new SincePeriod(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            }, null);
        }
        try {
            if (v.length() == 10) {
                return new SincePeriod(null, LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant());
            }
            return new SincePeriod(null, Instant.parse(text.trim()));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("--since: cannot read '" + text + "'; expected " + FORMAT);
        }
    }

    /**
     * The start of the period, given the newest backup phase or incident seen ({@link Instant#EPOCH}: none).
     *
     * @throws IllegalArgumentException naming {@code --since} when a fixed start is after the newest data:
     *                                  the period would end before it begins
     */
    public Instant startBefore(Instant newest) {
        if (fixed != null && fixed.isAfter(newest) && !newest.equals(Instant.EPOCH)) {
            throw new IllegalArgumentException("--since: " + fixed + " is after the newest backup phase or incident "
                    + "in the data (" + newest + "); expected an earlier time or a span like 30d");
        }
        return fixed != null ? fixed : newest.minus(back);
    }

    @Override
    public String toString() {
        if (fixed != null) {
            return fixed.toString();
        }
        final long h = back.toHours();
        return h % (24 * 7) == 0 ? h / (24 * 7) + "w" : h % 24 == 0 ? h / 24 + "d" : h + "h";
    }
}
