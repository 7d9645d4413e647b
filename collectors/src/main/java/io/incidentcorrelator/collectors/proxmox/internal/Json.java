package io.incidentcorrelator.collectors.proxmox.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Lenient field access for Proxmox answers: the API is Perl underneath and numbers sometimes
 * arrive as strings ({@code "vmid": "201"}), absent fields are common, and a wrong type must
 * not abort a whole poll.
 */
public final class Json {

    private Json() {
    }

    public static JsonNode at(JsonNode node, String... path) {
        JsonNode n = node;
        for (String p : path) {
            if (n == null || !n.isObject()) {
                return null;
            }
            n = n.get(p);
        }
        return n == null || n.isNull() || n.isMissingNode() ? null : n;
    }

    public static String text(JsonNode node, String... path) {
        final JsonNode n = at(node, path);
        return n == null || n.isContainerNode() ? null : n.asText();
    }

    public static Long longValue(JsonNode node, String... path) {
        final JsonNode n = at(node, path);
        if (n == null) {
            return null;
        }
        if (n.isNumber()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                return (long) Double.parseDouble(n.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    public static Integer intValue(JsonNode node, String... path) {
        final Long l = longValue(node, path);
        return l == null || l > Integer.MAX_VALUE || l < Integer.MIN_VALUE ? null : l.intValue();
    }

    public static Double doubleValue(JsonNode node, String... path) {
        final JsonNode n = at(node, path);
        if (n == null) {
            return null;
        }
        double d;
        if (n.isNumber()) {
            d = n.asDouble();
        } else if (n.isTextual()) {
            try {
                d = Double.parseDouble(n.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        } else {
            return null;
        }
        return Double.isFinite(d) ? d : null;
    }
}
