package io.incidentcorrelator.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Issue 13's check: the newest revision of every incident of a live run against a one-partition
 * replay of the same input, revision numbers left out (a provisional revision that later evidence
 * corrected counts one more revision, by design).
 *
 * @param lost      incidents of the replay missing from the run
 * @param extra     incidents of the run the replay does not have
 * @param different incidents whose newest revisions differ
 * @param problems  one line per incident, for the failure message
 */
public record NewestRevisions(int lost, int extra, int different, List<String> problems) {

    /** @param expected and {@code actual}: every committed revision per id ({@link PipelineRig#committedRevisions()}) */
    public static NewestRevisions compare(Map<String, List<String>> expected, Map<String, List<String>> actual) {
        return compareNewest(withoutRevision(PipelineRig.newest(expected)), withoutRevision(PipelineRig.newest(actual)));
    }

    /** @param want and {@code got}: the newest revision per id, as {@link #withoutRevision} leaves it */
    public static NewestRevisions compareNewest(Map<String, String> want, Map<String, String> got) {
        final List<String> problems = new ArrayList<>();
        final TreeSet<String> ids = new TreeSet<>(want.keySet());
        ids.addAll(got.keySet());
        int lost = 0;
        int extra = 0;
        int different = 0;
        for (String id : ids) {
            if (!got.containsKey(id)) {
                lost++;
                problems.add("lost " + id);
            } else if (!want.containsKey(id)) {
                extra++;
                problems.add("extra " + id);
            } else if (!want.get(id).equals(got.get(id))) {
                different++;
                problems.add("different " + id + "\n  want " + want.get(id) + "\n  got  " + got.get(id));
            }
        }
        return new NewestRevisions(lost, extra, different, problems);
    }

    public boolean same() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return lost + " lost, " + extra + " extra, " + different + " different";
    }

    public static Map<String, String> withoutRevision(Map<String, String> newest) {
        final Map<String, String> out = new TreeMap<>();
        newest.forEach((id, json) -> out.put(id, json.replaceFirst("\"revision\":\\s*\\d+", "\"revision\":_")));
        return out;
    }
}
