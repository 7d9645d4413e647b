package io.incidentcorrelator.testsupport;

import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few Python semantics {@code check-incidents.py} relies on, applied to values from
 * {@code json.loads}: equality, truthiness, ordering, {@code json.dumps} text and its
 * {@code when()} time parsing. Where Python raises, this throws {@link IllegalArgumentException}.
 */
final class Python {

    private Python() {
    }

    /** A dict key: Python hashes 1, 1.0 and true alike. */
    record Key(String text) {
    }

    static Key key(JsonNode id) {
        requireHashable(id);
        if (id.isNull()) {
            return new Key("None");
        }
        if (id.isTextual()) {
            return new Key("str:" + id.textValue());
        }
        if (isNonFinite(id)) {
            return new Key("float:" + id.doubleValue());
        }
        return new Key("num:" + numeric(id).stripTrailingZeros().toPlainString());
    }

    static void requireHashable(JsonNode value) {
        if (value.isArray() || value.isObject()) {
            throw new IllegalArgumentException("unhashable type: " + value);
        }
    }

    static boolean truthy(JsonNode v) {
        if (v == null || v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return isNonFinite(v) || numeric(v).signum() != 0;
        }
        if (v.isTextual()) {
            return !v.textValue().isEmpty();
        }
        return v.size() > 0;
    }

    /** {@code a == b} */
    static boolean equal(JsonNode a, JsonNode b) {
        if (isNumeric(a) && isNumeric(b)) {
            if (isNonFinite(a) || isNonFinite(b)) {
                return a.doubleValue() == b.doubleValue();
            }
            return numeric(a).compareTo(numeric(b)) == 0;
        }
        if (a.isNull() || b.isNull()) {
            return a.isNull() && b.isNull();
        }
        if (a.isTextual() && b.isTextual()) {
            return a.textValue().equals(b.textValue());
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!equal(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> e : a.properties()) {
                if (!b.has(e.getKey()) || !equal(e.getValue(), b.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /** {@code a >= b}, for the values a revision can have. */
    static boolean greaterOrEqual(JsonNode a, JsonNode b) {
        return compare(a, b) >= 0;
    }

    /** {@code for x in value}: a list's items, a string's characters, a dict's keys. */
    static List<JsonNode> iterate(JsonNode value) {
        List<JsonNode> items = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(items::add);
        } else if (value.isTextual()) {
            value.textValue().codePoints()
                    .forEach(cp -> items.add(JsonNodeFactory.instance.textNode(Character.toString(cp))));
        } else if (value.isObject()) {
            value.fieldNames().forEachRemaining(k -> items.add(JsonNodeFactory.instance.textNode(k)));
        } else {
            throw new IllegalArgumentException("not iterable: " + value);
        }
        return items;
    }

    /** {@code sorted(values)} */
    static List<JsonNode> sorted(List<JsonNode> values) {
        List<JsonNode> out = new ArrayList<>(values);
        out.sort(Python::compare);
        return out;
    }

    private static int compare(JsonNode a, JsonNode b) {
        if (isNumeric(a) && isNumeric(b)) {
            if (isNonFinite(a) || isNonFinite(b)) {
                return Double.compare(a.doubleValue(), b.doubleValue());
            }
            return numeric(a).compareTo(numeric(b));
        }
        if (a.isTextual() && b.isTextual()) {
            return compareCodePoints(a.textValue(), b.textValue());
        }
        throw new IllegalArgumentException("'<' not supported between " + a + " and " + b);
    }

    /** Python orders strings by code point; Java's compareTo by UTF-16 unit. */
    private static int compareCodePoints(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i] != y[i]) {
                return Integer.compare(x[i], y[i]);
            }
        }
        return Integer.compare(x.length, y.length);
    }

    // ------------------------------------------------------------------ json.dumps

    /** {@code json.dumps(value)} with its defaults: ", " and ": " separators, ASCII only. */
    static String dumps(JsonNode value) {
        StringBuilder out = new StringBuilder();
        dump(value, out);
        return out.toString();
    }

    private static void dump(JsonNode v, StringBuilder out) {
        if (v.isNull()) {
            out.append("null");
        } else if (v.isBoolean()) {
            out.append(v.booleanValue() ? "true" : "false");
        } else if (v.isIntegralNumber()) {
            out.append(v.bigIntegerValue());
        } else if (v.isNumber()) {
            out.append(floatRepr(v.doubleValue()));
        } else if (v.isTextual()) {
            dumpString(v.textValue(), out);
        } else if (v.isArray()) {
            out.append('[');
            for (int i = 0; i < v.size(); i++) {
                out.append(i == 0 ? "" : ", ");
                dump(v.get(i), out);
            }
            out.append(']');
        } else {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                out.append(first ? "" : ", ");
                first = false;
                dumpString(e.getKey(), out);
                out.append(": ");
                dump(e.getValue(), out);
            }
            out.append('}');
        }
    }

    private static void dumpString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < ' ' || c > '~') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** {@code repr(float)}: shortest digits; exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(NumberOutput.toString(d, true)).stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String exp = String.format("%02d", Math.abs(exponent));
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
        }
        String plain = shortest.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    // ------------------------------------------------------------------ when()

    private static final Pattern ISO = Pattern.compile(
            "(\\d{4})-?(\\d{2})-?(\\d{2})"
                    + "(?:.(\\d{2})(?::?(\\d{2})(?::?(\\d{2})(?:[.,](\\d+))?)?)?"
                    + "([+-]\\d{2}(?::?\\d{2}(?::?\\d{2}(?:\\.\\d+)?)?)?)?)?");

    /**
     * {@code when(s)}: epoch milliseconds, or {@code datetime.fromisoformat} after replacing Z by
     * +00:00, with the offset then dropped (not applied), exactly as the script does.
     */
    static LocalDateTime when(JsonNode value) {
        if (isNumeric(value)) {
            double seconds = numeric(value).doubleValue() / 1000.0; // utcfromtimestamp(s / 1000.0)
            double whole = Math.floor(seconds);
            long micros = (long) Math.rint((seconds - whole) * 1e6);
            return LocalDateTime.of(1970, 1, 1, 0, 0).plusSeconds((long) whole).plusNanos(micros * 1000);
        }
        String text = (value.isTextual() ? value.textValue() : value.toString()).replace("Z", "+00:00");
        Matcher m = ISO.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("Invalid isoformat string: '" + text + "'");
        }
        int hour = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        int minute = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
        int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
        String fraction = m.group(7) == null ? "" : m.group(7);
        int micros = Integer.parseInt((fraction + "000000").substring(0, 6)); // fromisoformat truncates
        return LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), 0, 0).with(LocalTime.of(hour, minute, second, micros * 1000));
    }

    // ------------------------------------------------------------------ numbers

    /** Python's bool is an int. */
    private static boolean isNumeric(JsonNode v) {
        return v.isNumber() || v.isBoolean();
    }

    private static boolean isNonFinite(JsonNode v) {
        return v.isFloatingPointNumber() && !Double.isFinite(v.doubleValue());
    }

    private static BigDecimal numeric(JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue() ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        if (v.isIntegralNumber()) {
            return new BigDecimal(v.bigIntegerValue());
        }
        return new BigDecimal(v.doubleValue()); // exact, as Python compares int with float
    }
}
