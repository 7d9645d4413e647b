package io.incidentcorrelator.config;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One correlator setting: its name, type (which parses and validates), default and meaning. The
 * file key ({@code incident-correlator.NAME}), the environment variable
 * ({@code INCIDENT_CORRELATOR_NAME}), the default the code starts from and the line of
 * {@code docs/configuration.md} all come from this one definition.
 *
 * <p>Not Kafka's {@code ConfigDef}: most of these settings are durations, which {@code ConfigDef}
 * has no type for (each would be a STRING parsed twice, by a validator and by the reader), its
 * errors name neither the environment variable nor the accepted form, and it renders RST/HTML,
 * not the Markdown the docs are in. This keeps {@code ConfigDef}'s shape (name, type with
 * validator, default, doc) for the one thing it cannot do here.
 *
 * @param defaultValue as a user would write it; parsed once when the class loads, so a bad default
 *                     fails every test
 */
public record Setting<T>(String name, Type<T> type, String defaultValue, String doc) {

    public Setting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(doc, "doc");
        type.parser.apply(defaultValue); // a default the type rejects is a programming error
    }

    /** {@code incident-correlator.backup.cool-down}. */
    public String key() {
        return ConfigLoader.PREFIX + name;
    }

    /** {@code INCIDENT_CORRELATOR_BACKUP_COOL_DOWN}. */
    public String envName() {
        return ConfigLoader.envName(name);
    }

    public T defaultParsed() {
        return type.parser.apply(defaultValue);
    }

    /** The value of {@code raw}, or one line naming the setting, its variable, the value and what it accepts. */
    public T parse(String raw) {
        try {
            return type.parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new ConfigException("Setting " + key() + " (env " + envName() + ") is \"" + raw + "\": expected "
                    + type.accepted);
        }
    }

    /**
     * A value type: how it is parsed and validated, and how the accepted form reads in an error and
     * in the reference. The parser throws on anything it does not accept.
     */
    public static final class Type<T> {
        private final String accepted;
        private final Function<String, T> parser;

        private Type(String accepted, Function<String, T> parser) {
            this.accepted = accepted;
            this.parser = parser;
        }

        public String accepted() {
            return accepted;
        }

        private static final String DURATION_FORM = "like 30m, 90s, 12h, 1d, 500ms or PT30M";

        public static Type<Duration> positiveDuration() {
            return new Type<>("a positive duration " + DURATION_FORM, text -> require(Durations.parse(text),
                    d -> !d.isNegative() && !d.isZero()));
        }

        /** Zero allowed: it switches the behaviour off or makes a span empty. */
        public static Type<Duration> duration() {
            return new Type<>("a duration " + DURATION_FORM + " (0s allowed)",
                    text -> require(Durations.parse(text), d -> !d.isNegative()));
        }

        /** A whole number: {@code 1.5} is rejected, not truncated. */
        public static Type<Integer> integerAtLeast(int min) {
            return new Type<>("a whole number, at least " + min, text -> require(Integer.parseInt(text), n -> n >= min));
        }

        public static Type<Double> positiveNumber() {
            return new Type<>("a number above 0", text -> require(number(text), d -> d > 0));
        }

        /** {@code (0, 1]}: a share such as memory used / total. */
        public static Type<Double> ratio() {
            return new Type<>("a ratio above 0 and at most 1, like 0.9", text -> require(number(text), d -> d > 0 && d <= 1));
        }

        /** {@code (0, 100]}. */
        public static Type<Double> percent() {
            return new Type<>("a percentage above 0 and at most 100", text -> require(number(text), d -> d > 0 && d <= 100));
        }

        public static Type<String> text() {
            return new Type<>("any text", text -> text);
        }

        /** A Kafka topic name: letters, digits, '.', '_' and '-', at most 249 characters. */
        public static Type<String> topicName() {
            return new Type<>("a topic name of letters, digits, '.', '_' or '-'",
                    text -> require(text, t -> t.matches("[A-Za-z0-9._-]{1,249}")));
        }

        /** Topic prefix: a topic name's start, or empty. */
        public static Type<String> topicPrefix() {
            return new Type<>("empty or letters, digits, '.', '_' or '-'",
                    text -> require(text, t -> t.matches("[A-Za-z0-9._-]{0,200}")));
        }

        /** An enum constant, written in lower case ({@code in_memory}); {@code -} for {@code _} is accepted. */
        public static <E extends Enum<E>> Type<E> oneOf(Class<E> type) {
            final String names = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(" or "));
            return new Type<>(names, text -> Enum.valueOf(type, text.toUpperCase(Locale.ROOT).replace('-', '_')));
        }

        private static double number(String text) {
            final double d = Double.parseDouble(text);
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("not finite");
            }
            return d;
        }

        private static <V> V require(V value, java.util.function.Predicate<V> valid) {
            if (!valid.test(value)) {
                throw new IllegalArgumentException("out of range: " + value);
            }
            return value;
        }
    }
}
