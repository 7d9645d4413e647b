package io.incidentcorrelator.advise;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * The night's axis: minutes from noon of the night's date, in the zone the Proxmox hosts keep
 * their calendar in. A job at 23:30 and one at 00:30 belong to the same night and are an hour
 * apart, which a plain time of day would not say.
 */
public record NightClock(ZoneId zone) {

    /** Minutes from noon to midnight. */
    public static final int MIDNIGHT = 12 * 60;
    static final int DAY = 24 * 60;

    public NightClock {
        java.util.Objects.requireNonNull(zone, "zone");
    }

    /** The date of the evening the night begins on. */
    public LocalDate night(Instant t) {
        return ZonedDateTime.ofInstant(t, zone).minusHours(12).toLocalDate();
    }

    /** Seconds since noon of {@link #night}. */
    public long secondsIntoNight(Instant t) {
        final ZonedDateTime local = ZonedDateTime.ofInstant(t, zone);
        final ZonedDateTime noon = night(t).atTime(12, 0).atZone(zone);
        return java.time.Duration.between(noon, local).toSeconds();
    }

    /** The instant {@code minute} minutes into {@code night}. */
    public Instant at(LocalDate night, int minute) {
        return night.atTime(12, 0).atZone(zone).plusMinutes(minute).toInstant();
    }

    /** A time of day on the night's axis: 12:00 is 0, 00:00 is 720, 11:59 is 1439. */
    public static int minuteOf(LocalTime time) {
        return Math.floorMod(time.getHour() * 60 + time.getMinute() - MIDNIGHT, DAY);
    }

    /** The time of day of a minute on the night's axis. */
    public static LocalTime timeOf(int minute) {
        return LocalTime.MIDNIGHT.plusMinutes(Math.floorMod(minute + MIDNIGHT, DAY));
    }

    /** "02:05" */
    public static String hhmm(int minute) {
        final LocalTime t = timeOf(minute);
        return String.format(java.util.Locale.ROOT, "%02d:%02d", t.getHour(), t.getMinute());
    }

    /** The calendar day a start {@code minute} into a night beginning on {@code nightDay} falls on. */
    public static DayOfWeek calendarDay(DayOfWeek nightDay, int minute) {
        return minute >= MIDNIGHT ? nightDay.plus(1) : nightDay;
    }
}
