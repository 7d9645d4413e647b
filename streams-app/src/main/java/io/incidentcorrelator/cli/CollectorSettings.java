package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a collector option's value comes from: the command line, else the environment variable
 * {@code INCIDENT_CORRELATOR_COLLECT_<OPTION>} ({@code --proxmox-url} →
 * {@code INCIDENT_CORRELATOR_COLLECT_PROXMOX_URL}), else the {@code --config} file's key
 * {@code incident-correlator.collect.<option>}. Lists are comma-separated outside the command
 * line. Secrets are not settings: only the name of their variable or file is.
 *
 * <p>{@link CollectorDefaults} gives picocli the same values as option defaults (so {@code --help}
 * shows them); these methods stay the one place that resolves and checks them.
 */
final class CollectorSettings {

    static final String ENV_PREFIX = "INCIDENT_CORRELATOR_COLLECT_";

    private final Map<String, String> file;
    private final Map<String, String> env;

    CollectorSettings(ConfigLoader config, Map<String, String> env) {
        this.file = config.collectorSettings();
        this.env = Objects.requireNonNull(env, "env");
    }

    /**
     * Refuses a collector setting that no {@code collect} command has as an option: mistyped
     * ({@code INCIDENT_CORRELATOR_COLLECT_INSECUR}) it would leave the default in force unnoticed, so
     * the nearest option is named. In the environment only names near an option are refused, as
     * {@link ConfigLoader} does for the correlator's settings (others may be the user's own secret
     * variables); a {@code --config} file's {@code incident-correlator.collect.*} keys are all checked.
     *
     * @param command any command of the command line
     */
    static void rejectUnknown(CommandSpec command, ConfigLoader config, Map<String, String> env) {
        final Set<String> options = new TreeSet<>();
        command.root().subcommands().get("collect").getSubcommands().values().forEach(c -> c.getCommandSpec()
                .options().stream().map(OptionSpec::longestName).filter(n -> n.startsWith("--"))
                .forEach(n -> options.add(n.substring(2))));
        final List<String> envNames = options.stream().map(CollectorSettings::envName).toList();
        for (String name : new TreeSet<>(env.keySet())) {
            if (name.startsWith(ENV_PREFIX) && !envNames.contains(name)) {
                final Optional<String> near = ConfigLoader.nearest(name, envNames);
                if (near.isPresent()) {
                    throw new ConfigException("Unknown setting " + name + " in the environment: did you mean "
                            + near.get() + " (--" + optionOf(near.get()) + ")?");
                }
            }
        }
        for (String key : new TreeSet<>(config.collectorSettings().keySet())) {
            if (!options.contains(key)) {
                throw new ConfigException("Unknown setting " + ConfigLoader.COLLECT_PREFIX + key + " in the --config file"
                        + ConfigLoader.nearest(key, options).map(k -> ": did you mean " + ConfigLoader.COLLECT_PREFIX + k + "?")
                        .orElse(": no collect command has an option --" + key));
            }
        }
    }

    private static String optionOf(String envName) {
        return envName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** {@code proxmox-url} → {@code INCIDENT_CORRELATOR_COLLECT_PROXMOX_URL}. */
    static String envName(String option) {
        return ENV_PREFIX + option.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The value of {@code --option}: {@code fromCli} when given, else the environment, else the file, else null. */
    String get(String fromCli, String option) {
        if (fromCli != null) {
            return fromCli;
        }
        final String fromEnv = env.get(envName(option));
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        final String fromFile = file.get(option);
        return fromFile == null || fromFile.isBlank() ? null : fromFile.trim();
    }

    /** Where the environment or the file sets {@code option}, for a warning; null when neither does. */
    String origin(String option) {
        final String fromEnv = env.get(envName(option));
        if (fromEnv != null && !fromEnv.isBlank()) {
            return envName(option);
        }
        final String fromFile = file.get(option);
        return fromFile == null || fromFile.isBlank() ? null : ConfigLoader.COLLECT_PREFIX + option + " in the --config file";
    }

    String required(String fromCli, String option) {
        final String value = get(fromCli, option);
        if (value == null) {
            throw new ConfigException("--" + option + " is required (or set " + envName(option)
                    + ", or incident-correlator.collect." + option + " in the --config file)");
        }
        return value;
    }

    Path path(Path fromCli, String option) {
        final String value = get(fromCli == null ? null : fromCli.toString(), option);
        return value == null ? null : Path.of(value);
    }

    boolean flag(boolean fromCli, String option) {
        final String value = get(fromCli ? "true" : null, option);
        if (value == null) {
            return false;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw invalid(option, value, "true or false");
        };
    }

    /** An option whose annotation has a default ({@link CollectorDefaults}): picocli always gives it a value. */
    Duration duration(String fromCli, String option) {
        return duration(Objects.requireNonNull(fromCli, option), option, null);
    }

    Duration duration(String fromCli, String option, Duration fallback) {
        final String value = get(fromCli, option);
        if (value == null) {
            return fallback;
        }
        try {
            final Duration d = ConfigLoader.parseDuration(value);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("not positive");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw invalid(option, value, "a positive duration like 15s, 5m or PT30S");
        }
    }

    /** As {@link #duration(String, String)}, for a whole number. */
    int integer(String fromCli, String option) {
        return integer(Objects.requireNonNull(fromCli, option), option, 0);
    }

    int integer(String fromCli, String option, int fallback) {
        final String value = get(fromCli, option);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw invalid(option, value, "a whole number");
        }
    }

    /** Repeated on the command line, or comma-separated in the environment or file; empty when none. */
    List<String> list(List<String> fromCli, String option) {
        if (fromCli != null && !fromCli.isEmpty()) {
            return List.copyOf(fromCli);
        }
        final String value = get(null, option);
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    static ConfigException invalid(String option, String value, String expected) {
        return new ConfigException("--" + option + " (or " + envName(option) + ") is \"" + value + "\": expected "
                + expected);
    }
}
