package io.incidentcorrelator.advise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Finds start times for backup jobs inside a nightly window so that jobs which contend (the
 * caller says which pairs do) are not busy at the same time, each busy for its p95 duration
 * plus the cool-down. Among schedules with the least overlap it takes the one that moves the
 * jobs least from where they start today, so a feasible answer is also the smallest change.
 *
 * <p>Times are minutes on the night's axis ({@link NightClock}). The search is exhaustive per
 * group of contending jobs (branch and bound on a grid of {@code step} minutes), up to a node
 * budget; a result that hit the budget says so rather than claiming to be the least overlap.
 */
public final class ScheduleSearch {

    /** How many placements the search tries per group before it settles for the best found. */
    static final long NODE_BUDGET = 20_000_000L;

    /**
     * One job to place.
     *
     * @param busyMinutes  how long the job keeps its contention domain busy (p95 + cool-down)
     * @param currentStart where it starts today, on the night's axis
     */
    public record Slot(String id, int busyMinutes, int currentStart) {
        public Slot {
            Objects.requireNonNull(id, "id");
            if (busyMinutes < 0) {
                throw new IllegalArgumentException("busyMinutes must not be negative, was " + busyMinutes);
            }
        }
    }

    /**
     * @param starts         proposed start per job, in the order given
     * @param overlapMinutes total minutes contending pairs are busy together (0: no overlap)
     * @param movedMinutes   total distance from today's starts
     * @param exhaustive     false when the node budget ended the search: least overlap found, not proven
     */
    public record Result(int[] starts, int overlapMinutes, int movedMinutes, boolean exhaustive) {
        public boolean feasible() {
            return overlapMinutes == 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && Arrays.equals(starts, r.starts) && overlapMinutes == r.overlapMinutes
                    && movedMinutes == r.movedMinutes && exhaustive == r.exhaustive;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(starts) * 31 + overlapMinutes;
        }

        @Override
        public String toString() {
            return "Result" + Arrays.toString(starts) + " overlap=" + overlapMinutes + " moved=" + movedMinutes
                    + (exhaustive ? "" : " (budget reached)");
        }
    }

    private ScheduleSearch() {
    }

    /**
     * @param contends   contends[i][j]: jobs i and j must not be busy at once
     * @param windowFrom earliest allowed start (night axis, minutes)
     * @param windowTo   latest allowed start
     * @param step       grid of candidate starts, in minutes
     */
    public static Result search(List<Slot> jobs, boolean[][] contends, int windowFrom, int windowTo, int step) {
        if (windowTo < windowFrom) {
            throw new IllegalArgumentException("window ends (" + windowTo + ") before it starts (" + windowFrom + ")");
        }
        if (step <= 0) {
            throw new IllegalArgumentException("step must be positive, was " + step);
        }
        final int n = jobs.size();
        final int[] starts = new int[n];
        int overlap = 0;
        int moved = 0;
        boolean exhaustive = true;
        // Jobs that contend with none of a group cannot change its overlap: search each group alone.
        for (List<Integer> group : groups(n, contends)) {
            final Group g = new Group(jobs, contends, group, windowFrom, windowTo, step);
            g.run();
            for (int k = 0; k < group.size(); k++) {
                starts[group.get(k)] = g.best[k];
            }
            overlap += g.bestOverlap;
            moved += g.bestMoved;
            exhaustive &= !g.budgetReached;
        }
        return new Result(starts, overlap, moved, exhaustive);
    }

    /** Minutes two busy spans [a, a+la) and [b, b+lb) share. */
    public static int overlap(int a, int la, int b, int lb) {
        return Math.max(0, Math.min(a + la, b + lb) - Math.max(a, b));
    }

    private static List<List<Integer>> groups(int n, boolean[][] contends) {
        final int[] groupOf = new int[n];
        Arrays.fill(groupOf, -1);
        final List<List<Integer>> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (groupOf[i] >= 0) {
                continue;
            }
            final List<Integer> group = new ArrayList<>();
            final List<Integer> todo = new ArrayList<>(List.of(i));
            groupOf[i] = groups.size();
            while (!todo.isEmpty()) {
                final int j = todo.remove(todo.size() - 1);
                group.add(j);
                for (int k = 0; k < n; k++) {
                    if (groupOf[k] < 0 && (contends[j][k] || contends[k][j])) {
                        groupOf[k] = groups.size();
                        todo.add(k);
                    }
                }
            }
            group.sort(Comparator.naturalOrder());
            groups.add(group);
        }
        return groups;
    }

    private static final class Group {
        private final int size;
        private final int[] busy;
        private final int[] current;
        private final boolean[][] contends;
        private final int[][] candidates;
        private final int[] order;
        private final int[] placed;
        final int[] best;
        int bestOverlap = Integer.MAX_VALUE;
        int bestMoved = Integer.MAX_VALUE;
        boolean budgetReached;
        private long nodes;

        Group(List<Slot> jobs, boolean[][] all, List<Integer> members, int from, int to, int step) {
            size = members.size();
            busy = new int[size];
            current = new int[size];
            contends = new boolean[size][size];
            candidates = new int[size][];
            for (int a = 0; a < size; a++) {
                final Slot s = jobs.get(members.get(a));
                busy[a] = s.busyMinutes();
                current[a] = s.currentStart();
                for (int b = 0; b < size; b++) {
                    contends[a][b] = all[members.get(a)][members.get(b)] || all[members.get(b)][members.get(a)];
                }
                // Nearest to today's start first: the first complete schedule is the least change,
                // and a good bound for the rest.
                final List<Integer> grid = new ArrayList<>();
                for (int t = from; t <= to; t += step) {
                    grid.add(t);
                }
                final int here = s.currentStart();
                grid.sort(Comparator.<Integer>comparingInt(t -> Math.abs(t - here)).thenComparingInt(t -> t));
                candidates[a] = grid.stream().mapToInt(Integer::intValue).toArray();
            }
            // Today's order first: in a feasible stagger jobs usually keep their order.
            final Integer[] o = new Integer[size];
            for (int a = 0; a < size; a++) {
                o[a] = a;
            }
            Arrays.sort(o, Comparator.<Integer>comparingInt(a -> current[a]).thenComparingInt(a -> a));
            order = Arrays.stream(o).mapToInt(Integer::intValue).toArray();
            placed = new int[size];
            best = new int[size];
        }

        void run() {
            place(0, 0, 0);
        }

        private void place(int depth, int overlapSoFar, int movedSoFar) {
            if (depth == size) {
                if (overlapSoFar < bestOverlap || (overlapSoFar == bestOverlap && movedSoFar < bestMoved)) {
                    bestOverlap = overlapSoFar;
                    bestMoved = movedSoFar;
                    System.arraycopy(placed, 0, best, 0, size);
                }
                return;
            }
            final int job = order[depth];
            for (int t : candidates[job]) {
                if (++nodes > NODE_BUDGET) {
                    budgetReached = true;
                    return;
                }
                final int moved = movedSoFar + Math.abs(t - current[job]);
                if (overlapSoFar == bestOverlap && moved >= bestMoved) {
                    // Candidates are sorted by distance: the rest move this job even further.
                    break;
                }
                int overlap = overlapSoFar;
                for (int d = 0; d < depth && overlap <= bestOverlap; d++) {
                    final int other = order[d];
                    if (contends[job][other]) {
                        overlap += ScheduleSearch.overlap(t, busy[job], placed[other], busy[other]);
                    }
                }
                if (overlap > bestOverlap || (overlap == bestOverlap && moved >= bestMoved)) {
                    continue;
                }
                placed[job] = t;
                place(depth + 1, overlap, moved);
                if (budgetReached) {
                    return;
                }
            }
        }
    }
}
