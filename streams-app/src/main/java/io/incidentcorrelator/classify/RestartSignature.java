package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.PodRestart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the restart itself says: its reason, exit code and the last lines of its log.
 * The runbooks tell crashes apart by these before looking at the host: OOMKilled / 137,
 * ImagePullBackOff, "leaderelection lost" with a timeout to the local API endpoint
 * (contention) or to the cluster service address (API server or network), and
 * application errors that no amount of host contention explains.
 */
public final class RestartSignature {

    /** How the restart's own output relates to contention. */
    public enum Nature {
        /** Timeouts, lost leases, probe failures: what a slow API server or disk causes. */
        CONTENTION_LIKE,
        /** Panics, config errors, clean exits: the application's own failure. */
        APP_FAILURE_LIKE,
        /** Nothing conclusive (exit 1 or 2 and no telling log line). */
        NEUTRAL
    }

    private static final Set<String> IMAGE_PULL_REASONS = Set.of(
            "imagepullbackoff", "errimagepull", "invalidimagename", "errimageneverpull", "registryunavailable");

    private static final Pattern IMAGE_PULL_TEXT = Pattern.compile(
            "failed to pull image|pull access denied|manifest unknown|imagepullbackoff|errimagepull|back-off pulling image",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern LEADER_ELECTION_LOST = Pattern.compile(
            "leader ?election lost|failed to renew lease|lost lease|stopped leading|leaderelection.*(lost|failed)",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern API_TIMEOUT = Pattern.compile(
            "context deadline exceeded|i/o timeout|timed out|timeout:|client\\.timeout|tls handshake timeout"
                    + "|request did not complete within|unable to return a response in the time allotted"
                    + "|etcdserver: request timed out|unable to sync caches|handlers are not fully synchronized"
                    + "|connection refused|connection reset by peer|no route to host|http2: client connection lost"
                    + "|probe failed|liveness probe|readiness probe|context canceled|deadline exceeded",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern APP_FAILURE = Pattern.compile(
            "panic:|nil pointer|invalid memory address|segmentation fault|sigsegv|fatal error:|traceback \\(most recent call last\\)"
                    + "|exception in thread|nullpointerexception|no such file or directory|permission denied"
                    + "|invalid (config|configuration|argument|value|flag)|unknown (flag|field|command)|failed to parse"
                    + "|syntax error|cannot unmarshal|missing required|required .* not set|exec format error"
                    + "|createcontainerconfigerror|undefined symbol|module not found|cannot find module",
            Pattern.CASE_INSENSITIVE);

    /** Hosts in URLs ("https://127.0.0.1:7445/...") and dial errors ("dial tcp 10.96.0.1:443"). */
    private static final Pattern ENDPOINT = Pattern.compile(
            "(?:https?://|dial tcp |dial udp )(\\[[0-9a-fA-F:]+]|[A-Za-z0-9_.\\-]+)(?::(\\d{1,5}))?");

    private final boolean oomKilled;
    private final boolean imagePullFailure;
    private final boolean leaderElectionLost;
    private final boolean apiTimeout;
    private final boolean appFailure;
    private final List<String> localEndpoints;
    private final List<String> remoteEndpoints;
    private final Nature nature;
    private final String telltaleLine;

    private RestartSignature(PodRestart restart) {
        final String message = Optional.ofNullable(restart.getMessage()).orElse("");
        final String reason = Optional.ofNullable(restart.getTerminatedReason()).orElse("");
        final String waiting = Optional.ofNullable(restart.getWaitingReason()).orElse("");
        final Integer exitCode = restart.getExitCode();

        this.oomKilled = reason.equalsIgnoreCase("OOMKilled") || (exitCode != null && exitCode == 137);
        this.imagePullFailure = IMAGE_PULL_REASONS.contains(waiting.toLowerCase(Locale.ROOT))
                || IMAGE_PULL_REASONS.contains(reason.toLowerCase(Locale.ROOT))
                || IMAGE_PULL_TEXT.matcher(message).find();
        this.leaderElectionLost = LEADER_ELECTION_LOST.matcher(message).find();
        this.apiTimeout = API_TIMEOUT.matcher(message).find();
        this.appFailure = APP_FAILURE.matcher(message).find();

        final List<String> local = new ArrayList<>();
        final List<String> remote = new ArrayList<>();
        final Matcher m = ENDPOINT.matcher(message);
        while (m.find()) {
            final String host = m.group(1);
            final String endpoint = m.group(2) == null ? host : host + ":" + m.group(2);
            final List<String> into = isLoopback(host) ? local : remote;
            if (!into.contains(endpoint)) {
                into.add(endpoint);
            }
        }
        this.localEndpoints = List.copyOf(local);
        this.remoteEndpoints = List.copyOf(remote);

        final boolean probeKill = exitCode != null && exitCode == 143;
        final boolean cleanExit = (exitCode != null && exitCode == 0) || reason.equalsIgnoreCase("Completed");
        if (leaderElectionLost || (apiTimeout && !appFailure) || probeKill) {
            this.nature = Nature.CONTENTION_LIKE;
        } else if (appFailure || cleanExit || waiting.equalsIgnoreCase("CreateContainerConfigError")) {
            this.nature = Nature.APP_FAILURE_LIKE;
        } else {
            this.nature = Nature.NEUTRAL;
        }
        this.telltaleLine = pickTelltaleLine(message);
    }

    public static RestartSignature of(PodRestart restart) {
        return new RestartSignature(restart);
    }

    public boolean oomKilled() {
        return oomKilled;
    }

    public boolean imagePullFailure() {
        return imagePullFailure;
    }

    public boolean leaderElectionLost() {
        return leaderElectionLost;
    }

    public boolean apiTimeout() {
        return apiTimeout;
    }

    public Nature nature() {
        return nature;
    }

    /** Loopback API endpoints the log names (KubePrism 127.0.0.1:7445, localhost:6443...). */
    public List<String> localEndpoints() {
        return localEndpoints;
    }

    /** Non-loopback endpoints the log names: the cluster service address, a VIP. */
    public List<String> remoteEndpoints() {
        return remoteEndpoints;
    }

    /**
     * The runbook's "timeout to 10.96.0.1 rather than 127.0.0.1:7445": the pod could not reach the
     * API server through the cluster network, not merely a slow local endpoint.
     */
    public boolean apiUnreachableViaClusterAddress() {
        return apiTimeout && !remoteEndpoints.isEmpty() && localEndpoints.isEmpty() && !appFailure;
    }

    /** The log line worth quoting as evidence, at most 300 characters; empty when there is no log. */
    public String telltaleLine() {
        return telltaleLine;
    }

    static boolean isLoopback(String host) {
        final String h = host.toLowerCase(Locale.ROOT);
        return h.startsWith("127.") || h.equals("localhost") || h.equals("[::1]") || h.equals("::1")
                || h.equals("0.0.0.0");
    }

    private static String pickTelltaleLine(String message) {
        if (message.isBlank()) {
            return "";
        }
        final String[] lines = message.split("\\R");
        String best = null;
        // A timeout that names its endpoint tells the reader the most (127.0.0.1:7445 vs 10.96.0.1).
        final Pattern timeoutWithEndpoint = Pattern.compile("(?=.*(" + API_TIMEOUT.pattern() + "))(?=.*" + ENDPOINT.pattern() + ").*",
                Pattern.CASE_INSENSITIVE);
        for (Pattern p : List.of(APP_FAILURE, timeoutWithEndpoint, LEADER_ELECTION_LOST, API_TIMEOUT, IMAGE_PULL_TEXT)) {
            for (String line : lines) {
                if (p.matcher(line).find()) {
                    best = line;
                    break;
                }
            }
            if (best != null) {
                break;
            }
        }
        if (best == null) {
            best = lines[lines.length - 1];
        }
        best = best.strip();
        return best.length() > 300 ? best.substring(0, 297) + "..." : best;
    }
}
