package io.incidentcorrelator.advise;

import java.time.DayOfWeek;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Proxmox calendar events, as {@code /cluster/backup} jobs take them in their {@code schedule}:
 * {@code 02:00} every day, {@code mon..fri 02:00}, {@code sat,sun 02:00}.
 */
public final class CalendarEvents {

    private CalendarEvents() {
    }

    /**
     * @param nightDays the evenings the job runs on
     * @param start     its start on the night's axis; after midnight the calendar day is the next one
     */
    public static String schedule(Set<DayOfWeek> nightDays, int start) {
        final String time = NightClock.hhmm(start);
        if (nightDays.size() == 7 || nightDays.isEmpty()) {
            return time;
        }
        final Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        nightDays.forEach(d -> days.add(NightClock.calendarDay(d, start)));
        return days(days) + " " + time;
    }

    /** mon..fri, sat,sun, mon,wed,fri: runs of three or more days as ranges. */
    static String days(Set<DayOfWeek> days) {
        final List<String> parts = new ArrayList<>();
        int i = 1;
        while (i <= 7) {
            if (!days.contains(DayOfWeek.of(i))) {
                i++;
                continue;
            }
            int j = i;
            while (j < 7 && days.contains(DayOfWeek.of(j + 1))) {
                j++;
            }
            if (j - i >= 2) {
                parts.add(name(i) + ".." + name(j));
            } else {
                for (int k = i; k <= j; k++) {
                    parts.add(name(k));
                }
            }
            i = j + 1;
        }
        return String.join(",", parts);
    }

    private static final String[] NAMES = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

    private static String name(int day) {
        return NAMES[day - 1];
    }
}
