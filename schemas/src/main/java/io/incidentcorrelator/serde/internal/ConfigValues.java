package io.incidentcorrelator.serde.internal;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/** Reads Kafka-style config values that may arrive as strings or as typed objects. */
public final class ConfigValues {

    private ConfigValues() {
    }

    public static String string(Map<String, ?> config, String key, String fallback) {
        final Object value = config == null ? null : config.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof org.apache.kafka.common.config.types.Password password) {
            return password.value();
        }
        final String text = value.toString().trim();
        return text.isEmpty() ? fallback : text;
    }

    public static boolean bool(Map<String, ?> config, String key, boolean fallback) {
        final Object value = config == null ? null : config.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        final String text = value.toString().trim();
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new ConfigException(key, value, "expected true or false");
    }

    public static long positiveLong(Map<String, ?> config, String key, long fallback) {
        final Object value = config == null ? null : config.get(key);
        if (value == null) {
            return fallback;
        }
        final long result;
        try {
            result = value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a number");
        }
        if (result <= 0) {
            throw new ConfigException(key, value, "expected a positive number");
        }
        return result;
    }

    /** A class given as {@code Class} or as its name, which must be a subtype of {@code expected}. */
    public static <T> Class<? extends T> type(Map<String, ?> config, String key, Class<T> expected) {
        final Object value = config == null ? null : config.get(key);
        if (value == null) {
            return null;
        }
        final Class<?> type;
        if (value instanceof Class<?> c) {
            type = c;
        } else {
            final ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
            try {
                type = Class.forName(value.toString().trim(), true,
                        contextLoader != null ? contextLoader : ConfigValues.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ConfigException(key, value, "class not found");
            }
        }
        if (!expected.isAssignableFrom(type)) {
            throw new ConfigException(key, value, "not a " + expected.getName());
        }
        return type.asSubclass(expected);
    }
}
