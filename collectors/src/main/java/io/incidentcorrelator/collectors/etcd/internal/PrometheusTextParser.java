package io.incidentcorrelator.collectors.etcd.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Parser for the Prometheus text exposition format 0.0.4 (what etcd's {@code /metrics} serves).
 *
 * <p>Handles {@code # HELP} and {@code # TYPE} lines (HELP text unescaped), other comments,
 * blank lines, labels with escaped {@code \\}, {@code \"} and {@code \n} in values and a trailing
 * comma, values as Go's {@code strconv.ParseFloat} writes them ({@code +Inf}, {@code -Inf},
 * {@code NaN}, exponents), optional millisecond timestamps, CRLF line ends, and an OpenMetrics
 * exemplar ({@code # {...} v}) after the value, which is ignored.
 *
 * <p>A malformed line does not fail the scrape: it is skipped and reported in
 * {@link MetricsSnapshot#errors()}, so one odd metric from a newer etcd cannot hide the ones the
 * collector needs.
 */
public final class PrometheusTextParser {

    private static final int MAX_ERROR_TEXT = 200;

    private PrometheusTextParser() {
    }

    public static MetricsSnapshot parse(String text) {
        final List<Sample> samples = new ArrayList<>();
        final Map<String, String> types = new HashMap<>();
        final Map<String, String> help = new HashMap<>();
        final List<ParseError> errors = new ArrayList<>();

        int lineNumber = 0;
        int start = 0;
        final int length = text.length();
        while (start <= length) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = length;
            }
            lineNumber++;
            String line = text.substring(start, end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            start = end + 1;
            try {
                parseLine(line, samples, types, help);
            } catch (LineException e) {
                final String shown = line.length() > MAX_ERROR_TEXT ? line.substring(0, MAX_ERROR_TEXT) + "..." : line;
                errors.add(new ParseError(lineNumber, e.getMessage(), shown));
            }
            if (end == length) {
                break;
            }
        }
        return new MetricsSnapshot(samples, types, help, errors);
    }

    private static void parseLine(String line, List<Sample> samples, Map<String, String> types,
                                  Map<String, String> help) {
        final Cursor c = new Cursor(line);
        c.skipBlanks();
        if (c.atEnd()) {
            return;
        }
        if (c.peek() == '#') {
            parseComment(c, types, help);
            return;
        }
        samples.add(parseSample(c));
    }

    private static void parseComment(Cursor c, Map<String, String> types, Map<String, String> help) {
        c.next(); // '#'
        c.skipBlanks();
        final String keyword = c.readWhile(ch -> ch != ' ' && ch != '\t');
        if (!keyword.equals("HELP") && !keyword.equals("TYPE")) {
            return; // an ordinary comment
        }
        c.skipBlanks();
        final String name = c.readMetricName();
        if (name.isEmpty()) {
            return; // "# HELP" with nothing after it is just a comment per the format
        }
        if (!c.atEnd() && c.peek() != ' ' && c.peek() != '\t') {
            throw new LineException("bad metric name in " + keyword);
        }
        c.skipBlanks();
        final String rest = c.rest();
        if (keyword.equals("HELP")) {
            help.putIfAbsent(name, unescapeHelp(rest));
        } else {
            final String type = rest.trim().toLowerCase(Locale.ROOT);
            switch (type) {
                case "counter", "gauge", "histogram", "summary", "untyped" -> types.putIfAbsent(name, type);
                default -> throw new LineException("unknown metric type '" + type + "'");
            }
        }
    }

    private static Sample parseSample(Cursor c) {
        final String name = c.readMetricName();
        if (name.isEmpty()) {
            throw new LineException("expected a metric name");
        }
        boolean separated = c.skipBlanks();
        final Map<String, String> labels = new LinkedHashMap<>();
        if (!c.atEnd() && c.peek() == '{') {
            c.next();
            parseLabels(c, labels);
            separated = c.skipBlanks();
        }
        if (c.atEnd() || !separated) {
            throw new LineException("expected whitespace and a value after the name/labels");
        }
        final double value = parseValue(c.readWhile(ch -> ch != ' ' && ch != '\t'));
        c.skipBlanks();
        OptionalLong timestamp = OptionalLong.empty();
        if (!c.atEnd() && c.peek() != '#') {
            final String ts = c.readWhile(ch -> ch != ' ' && ch != '\t');
            try {
                timestamp = OptionalLong.of(Long.parseLong(ts));
            } catch (NumberFormatException e) {
                throw new LineException("bad timestamp '" + ts + "'");
            }
            c.skipBlanks();
        }
        if (!c.atEnd() && c.peek() != '#') {
            throw new LineException("unexpected text after the value");
        }
        return new Sample(name, labels, value, timestamp);
    }

    private static void parseLabels(Cursor c, Map<String, String> labels) {
        while (true) {
            c.skipBlanks();
            if (c.atEnd()) {
                throw new LineException("unterminated label set");
            }
            if (c.peek() == '}') {
                c.next();
                return;
            }
            final String labelName = c.readLabelName();
            if (labelName.isEmpty()) {
                throw new LineException("expected a label name");
            }
            c.skipBlanks();
            c.expect('=');
            c.skipBlanks();
            c.expect('"');
            final String value = c.readQuotedLabelValue();
            if (labels.put(labelName, value) != null) {
                throw new LineException("duplicate label '" + labelName + "'");
            }
            c.skipBlanks();
            if (c.atEnd()) {
                throw new LineException("unterminated label set");
            }
            if (c.peek() == ',') {
                c.next();
            } else if (c.peek() != '}') {
                throw new LineException("expected ',' or '}' after a label");
            }
        }
    }

    /** Values as Go formats them; Java's parser is stricter about infinities and looser about hex and suffixes. */
    static double parseValue(String s) {
        if (s.isEmpty()) {
            throw new LineException("missing value");
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "+inf", "inf", "+infinity", "infinity" -> { return Double.POSITIVE_INFINITY; }
            case "-inf", "-infinity" -> { return Double.NEGATIVE_INFINITY; }
            case "nan", "+nan", "-nan" -> { return Double.NaN; }
            default -> { }
        }
        // Reject what Double.parseDouble would accept but Prometheus would not: "1d", "0x1p3", "1f".
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            if (!(ch >= '0' && ch <= '9') && ch != '.' && ch != 'e' && ch != 'E' && ch != '+' && ch != '-') {
                throw new LineException("bad value '" + s + "'");
            }
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new LineException("bad value '" + s + "'");
        }
    }

    private static String unescapeHelp(String s) {
        final StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                final char n = s.charAt(i + 1);
                if (n == '\\') {
                    out.append('\\');
                    i++;
                    continue;
                }
                if (n == 'n') {
                    out.append('\n');
                    i++;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    /** A problem with one line; carries no stack trace because it is expected and reported as data. */
    static final class LineException extends RuntimeException {
        LineException(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Cursor {
        private final String s;
        private int pos;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        char next() {
            return s.charAt(pos++);
        }

        void expect(char ch) {
            if (atEnd() || s.charAt(pos) != ch) {
                throw new LineException("expected '" + ch + "'");
            }
            pos++;
        }

        /** @return whether anything was skipped */
        boolean skipBlanks() {
            final int from = pos;
            while (!atEnd() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
                pos++;
            }
            return pos > from;
        }

        String rest() {
            final String r = s.substring(pos);
            pos = s.length();
            return r;
        }

        String readWhile(CharPredicate p) {
            final int from = pos;
            while (!atEnd() && p.test(s.charAt(pos))) {
                pos++;
            }
            return s.substring(from, pos);
        }

        /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*} */
        String readMetricName() {
            final int from = pos;
            if (!atEnd() && (isLetter(peek()) || peek() == '_' || peek() == ':')) {
                pos++;
                while (!atEnd() && (isLetter(peek()) || isDigit(peek()) || peek() == '_' || peek() == ':')) {
                    pos++;
                }
            }
            return s.substring(from, pos);
        }

        /** {@code [a-zA-Z_][a-zA-Z0-9_]*} */
        String readLabelName() {
            final int from = pos;
            if (!atEnd() && (isLetter(peek()) || peek() == '_')) {
                pos++;
                while (!atEnd() && (isLetter(peek()) || isDigit(peek()) || peek() == '_')) {
                    pos++;
                }
            }
            return s.substring(from, pos);
        }

        /** After the opening quote; consumes the closing one. */
        String readQuotedLabelValue() {
            final StringBuilder out = new StringBuilder();
            while (!atEnd()) {
                final char ch = next();
                if (ch == '"') {
                    return out.toString();
                }
                if (ch == '\\') {
                    if (atEnd()) {
                        break;
                    }
                    final char esc = next();
                    switch (esc) {
                        case '\\' -> out.append('\\');
                        case '"' -> out.append('"');
                        case 'n' -> out.append('\n');
                        default -> out.append('\\').append(esc); // unknown escapes are kept verbatim
                    }
                } else {
                    out.append(ch);
                }
            }
            throw new LineException("unterminated label value");
        }

        private static boolean isLetter(char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        }

        private static boolean isDigit(char ch) {
            return ch >= '0' && ch <= '9';
        }
    }

    @FunctionalInterface
    private interface CharPredicate {
        boolean test(char ch);
    }
}
