package io.incidentcorrelator.testsupport;

import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.Map;

/**
 * JSON text as the contract's checker prints it ({@code json.dumps} defaults): ", " and ": "
 * separators, non-ASCII escaped, and floats in their shortest form, with an exponent below 1e-4
 * and from 1e16 ({@code 1e+16}). Only so that IncidentExpectations' lines read as the script's.
 */
final class ScriptJson {

    private ScriptJson() {
    }

    static String write(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(JsonNode v, StringBuilder out) {
        if (v.isTextual()) {
            string(v.textValue(), out);
        } else if (v.isFloatingPointNumber()) {
            out.append(floating(v.doubleValue()));
        } else if (v.isArray()) {
            out.append('[');
            for (int i = 0; i < v.size(); i++) {
                out.append(i == 0 ? "" : ", ");
                write(v.get(i), out);
            }
            out.append(']');
        } else if (v.isObject()) {
            out.append('{');
            String separator = "";
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                out.append(separator);
                separator = ", ";
                string(e.getKey(), out);
                out.append(": ");
                write(e.getValue(), out);
            }
            out.append('}');
        } else {
            out.append(v); // null, true, false, integers
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c < ' ' || c > '~' ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        out.append('"');
    }

    private static String floating(double d) {
        if (!Double.isFinite(d)) {
            return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
        }
        BigDecimal shortest = new BigDecimal(NumberOutput.toString(d, true)).stripTrailingZeros(); // shortest digits
        int exponent = shortest.precision() - 1 - shortest.scale();
        if (exponent < -4 || exponent >= 16) {
            String digits = shortest.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = shortest.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }
}
