package io.incidentcorrelator.testsupport;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code correlator ARGS...} in a child JVM, started from the test classpath, as an operator
 * would run it; {@link #kill()} is SIGKILL (no shutdown hook, no flush, no commit).
 * Output goes to a log file next to the test reports. Tests call {@link #killAll()} after each
 * test so that no child outlives it.
 */
public final class CorrelatorProcess {

    private static final List<CorrelatorProcess> RUNNING = new CopyOnWriteArrayList<>();

    private final String name;
    private final Process process;
    private final Path log;

    private CorrelatorProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code correlator args...}; its output goes to {@code logDir/name.log} (appended). */
    public static CorrelatorProcess start(String name, Path logDir, String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small and quick to start: two of these share 2 cores with the broker and the test.
        command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-cp", System.getProperty("java.class.path"),
                "io.incidentcorrelator.cli.CorrelatorCli"));
        command.addAll(List.of(args));
        return spawn(name, logDir, command, Map.of(), false);
    }

    /** The launcher a user runs, on the packaged jar and {@code target/lib} (tests run in {@code streams-app/}). */
    public static final Path LAUNCHER = Path.of("../bin/correlator").toAbsolutePath().normalize();

    /**
     * {@code bin/correlator args...} as a user starts it: the packaged jar and {@code target/lib}, nothing from the test
     * classpath. The launcher execs the JVM, so {@link #kill()} is SIGKILL to the JVM itself.
     */
    public static CorrelatorProcess startPackaged(String name, Path logDir, String... args) {
        return spawn(name, logDir, launcher(args), Map.of("JAVA_OPTS", "-Xmx384m"), false);
    }

    /**
     * {@code bin/correlator args...} with {@code env} added (a small JVM unless it sets JAVA_OPTS). Its
     * output REPLACES {@code logDir/name.log}: what a test reads there is this run's alone.
     */
    public static CorrelatorProcess startPackaged(String name, Path logDir, Map<String, String> env, String... args) {
        if (!Files.isRegularFile(Path.of("target", "incident-correlator.jar"))) {
            throw new IllegalStateException("target/incident-correlator.jar is missing: run after `package`");
        }
        final Map<String, String> childEnv = new HashMap<>(env);
        childEnv.put("JAVA_HOME", System.getProperty("java.home"));
        childEnv.putIfAbsent("JAVA_OPTS", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        try {
            Files.deleteIfExists(logDir.resolve(name + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return spawn(name, logDir, launcher(args), childEnv, false);
    }

    /**
     * Like {@link #startPackaged}, with {@code env} added to the cleaned environment, and the
     * process's stderr (the log) in {@code logDir/name.log}, its stdout in {@code logDir/name.out}
     * (both appended), for commands whose output is their result.
     */
    public static CorrelatorProcess launch(String name, Path logDir, Map<String, String> env, String... args) {
        final Map<String, String> withJvm = new HashMap<>(env);
        withJvm.putIfAbsent("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.showDateTime=true "
                + "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        return spawn(name, logDir, launcher(args), withJvm, true);
    }

    /**
     * {@code java JVM_OPTIONS -cp target/incident-correlator.jar MAIN_CLASS args...}: a tool of the packaged jar that
     * the launcher has no command for (the bench's {@code BoxFeed}), run as {@code bin/measure-box} runs it. Its
     * output REPLACES {@code logDir/name.log}.
     */
    public static CorrelatorProcess startPackagedMain(String name, Path logDir, List<String> jvmOptions,
                                                      String mainClass, String... args) {
        final Path jar = Path.of("target", "incident-correlator.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run after `package`");
        }
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", jar.toString(), mainClass));
        command.addAll(List.of(args));
        try {
            Files.deleteIfExists(logDir.resolve(name + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return spawn(name, logDir, command, Map.of(), false);
    }

    private static List<String> launcher(String... args) {
        final List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        return command;
    }

    private static CorrelatorProcess spawn(String name, Path logDir, List<String> command, Map<String, String> env,
                                           boolean separateStdout) {
        try {
            Files.createDirectories(logDir);
            final Path log = logDir.resolve(name + ".log");
            final ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(!separateStdout)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            (separateStdout ? logDir.resolve(name + ".out") : log).toFile()));
            if (separateStdout) {
                builder.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            }
            // Only what the test passes: no KAFKA_* or INCIDENT_CORRELATOR_* from the environment.
            final Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("INCIDENT_CORRELATOR_")
                    || k.equals("JAVA_OPTS") || k.equals("KUBECONFIG"));
            environment.putAll(env);
            final CorrelatorProcess child = new CorrelatorProcess(name, builder.start(), log);
            RUNNING.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name, e);
        }
    }

    /** Waits until {@code applicationId} committed {@code records} input records; fails if this process ends first. */
    public void awaitConsumed(PipelineRig rig, String applicationId, long records) {
        rig.awaitConsumed(applicationId, records, this);
    }

    /** The rest of the first log line that contains {@code marker}, waiting up to {@code timeout} for it. */
    public String awaitLogValue(String marker, java.time.Duration timeout) {
        if (!awaitLog(marker, timeout)) {
            throw new AssertionError(name + " never logged '" + marker + "':\n" + logTail(40));
        }
        try {
            for (String line : Files.readAllLines(log)) {
                final int at = line.indexOf(marker);
                if (at >= 0) {
                    return line.substring(at + marker.length()).trim();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("unreachable");
    }

    /** A directory for child logs: {@code target/it-logs/TEST}. */
    public static Path logDir(String test) {
        return Path.of("target", "it-logs", test);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    /** Its stdout when started with {@link #launch}; else the same file as {@link #log()}. */
    public Path out() {
        final Path out = log.resolveSibling(name + ".out");
        return Files.exists(out) ? out : log;
    }

    /** SIGKILL, and wait until it is gone. */
    public void kill() {
        process.destroyForcibly();
        waitFor(30);
        RUNNING.remove(this);
    }

    /** SIGTERM (the shutdown hook closes Streams cleanly); SIGKILL after 60 s. Returns the exit code. */
    public int stop() {
        process.destroy();
        if (!waitFor(60)) {
            process.destroyForcibly();
            waitFor(30);
        }
        RUNNING.remove(this);
        return process.exitValue();
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int await(long seconds) {
        if (!waitFor(seconds)) {
            kill();
            throw new AssertionError(name + " did not exit within " + seconds + " s; log: " + log);
        }
        RUNNING.remove(this);
        return process.exitValue();
    }

    /** Waits until the log has a line containing {@code text}; false if the process ended or time ran out. */
    public boolean awaitLog(String text, java.time.Duration timeout) {
        try {
            Awaitility.await(name + " to log '" + text + "'").atMost(timeout).pollInterval(java.time.Duration.ofMillis(50))
                    .failFast(() -> !process.isAlive() && !logContains(text))
                    .until(() -> logContains(text));
            return true;
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            return false;
        }
    }

    /** Whether the log has a line containing {@code text} by now. */
    public boolean logContains(String text) {
        try {
            return Files.exists(log) && Files.readString(log).contains(text);
        } catch (IOException e) {
            return false; // being written; ask again
        }
    }

    /** The last lines of the log, for failure messages. */
    public String logTail(int lines) {
        try {
            final List<String> all = Files.readAllLines(log);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public static void killAll() {
        for (CorrelatorProcess p : RUNNING) {
            p.process.destroyForcibly();
            p.waitFor(30);
        }
        RUNNING.clear();
    }

    private boolean waitFor(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + File.separator + ")";
    }
}
