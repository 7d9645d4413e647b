package io.incidentcorrelator.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Asking a process's HTTP endpoint until it answers as expected: the one wait the ITs of health,
 * readiness and the web view share. Fails at once, with the process's log, when it ends first;
 * on a timeout the last answer (status and body, or the connection error) is in the message.
 */
public final class HttpAwait {

    private HttpAwait() {
    }

    /**
     * GETs {@code uri} every 200 ms until {@code until} accepts the answer, at most {@code timeout}.
     *
     * @param alive whether the process serving it still runs
     * @param log   its log, for the failure message
     */
    public static HttpResponse<String> awaitAnswer(HttpClient http, URI uri, Predicate<HttpResponse<String>> until,
                                                   Duration timeout, BooleanSupplier alive, Supplier<String> log) {
        final AtomicReference<String> last = new AtomicReference<>("(no answer)");
        try {
            return await(uri + " to answer as expected").atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .failFast(() -> assertTrue(alive.getAsBoolean(), () -> "ended before " + uri + " answered as expected:\n"
                            + log.get()))
                    .until(() -> {
                        try {
                            final HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                            last.set(r.statusCode() + " " + r.body());
                            return r;
                        } catch (IOException e) {
                            last.set(e.toString());
                            return null;
                        }
                    }, r -> r != null && until.test(r));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(uri + " did not answer as expected within " + timeout + "; last: " + last.get()
                    + "\n" + log.get(), e);
        }
    }

    /** The value of the sample with exactly this name and label set in a Prometheus exposition. */
    public static double metricValue(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in:\n" + exposition);
    }
}
