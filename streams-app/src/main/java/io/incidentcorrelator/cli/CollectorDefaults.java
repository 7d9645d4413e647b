package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Gives picocli the collectors' option values from the environment
 * ({@code INCIDENT_CORRELATOR_COLLECT_<OPTION>}) and the {@code --config} file
 * ({@code incident-correlator.collect.<option>}), through {@link CollectorSettings}, so that a
 * command's fields hold what it will use and {@code --help} shows it as "Default:". picocli asks
 * after the command line is parsed, so the {@code --config} given is known.
 *
 * <p>A value picocli could not convert (a port that is no number, a flag that is no boolean) is
 * not given here: the field stays unset and {@link CollectorSettings} reports it in one line
 * naming the option and its variable. Lists stay with {@link CollectorSettings#list} (comma-
 * separated outside the command line). The built-in defaults beneath are {@link CollectorBuiltIns}.
 */
final class CollectorDefaults implements IDefaultValueProvider {

    /** Options of the collect commands that are not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("--config", "--bootstrap-servers",
            "--schema-registry-url", "--help", "--version", "--print", "--once", "--topic", "--storage-topic");

    private final Map<String, String> env;
    private final Map<Path, CollectorSettings> byFile = new HashMap<>();

    CollectorDefaults(Map<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /** Installs this provider and "Default:" lines on {@code collect}'s subcommands and {@code backfill}. */
    static void install(CommandLine cli, Map<String, String> env) {
        final CollectorDefaults defaults = new CollectorDefaults(env);
        for (String name : new String[]{"collect", "backfill"}) {
            final CommandLine command = cli.getSubcommands().get(name);
            if (command != null) {
                command.setDefaultValueProvider(defaults); // applies to its subcommands too
                showDefaults(command);
            }
        }
    }

    private static void showDefaults(CommandLine command) {
        command.getCommandSpec().usageMessage().showDefaultValues(true);
        command.getSubcommands().values().forEach(CollectorDefaults::showDefaults);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || NOT_SETTINGS.contains(option.longestName())
                || option.isMultiValue() || !isSetting(option)) {
            return null;
        }
        final String name = option.longestName().substring(2);
        final String value = settings(option.command()).get(null, name);
        return value == null ? null : converted(option, value);
    }

    /** In {@code backfill}, only {@code --inventory} is a collector setting; in {@code collect}, every option. */
    private static boolean isSetting(OptionSpec option) {
        final String root = commandPath(option.command());
        return root.startsWith("collect ") || (root.equals("backfill") && option.longestName().equals("--inventory"));
    }

    private static String commandPath(CommandSpec spec) {
        return spec.qualifiedName(" ").replaceFirst("^\\S+ ", "");
    }

    private CollectorSettings settings(CommandSpec command) {
        final OptionSpec config = command.findOption("--config");
        final Path file = config == null ? null : config.getValue();
        return byFile.computeIfAbsent(file == null ? Path.of("") : file, f -> {
            try {
                return new CollectorSettings(ConfigLoader.load(file, env), env);
            } catch (RuntimeException e) {
                // The command's own loading reports it, in one line.
                return new CollectorSettings(ConfigLoader.load(null, Map.of()), env);
            }
        });
    }

    /** {@code value} as picocli can take it for {@code option}'s type, or null to leave it to {@link CollectorSettings}. */
    private static String converted(OptionSpec option, String value) {
        final Class<?> type = option.type();
        if (type == boolean.class || type == Boolean.class) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> "true";
                case "false", "no", "0" -> "false";
                default -> null;
            };
        }
        if (type == int.class || type == Integer.class) {
            try {
                Integer.parseInt(value);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return value;
    }
}
