package io.incidentcorrelator.collectors.kubernetes.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Cuts text to a byte budget keeping its end, where a crash log says what went wrong. */
public final class Utf8Tail {

    private Utf8Tail() {
    }

    /**
     * The longest suffix of {@code text} whose UTF-8 encoding fits in {@code maxBytes}, never
     * starting inside a multi-byte character.
     */
    public static String keepEnd(String text, int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes < 0");
        }
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        int start = bytes.length - maxBytes;
        // Continuation bytes are 10xxxxxx; step forward to the start of the next character.
        while (start < bytes.length && (bytes[start] & 0xC0) == 0x80) {
            start++;
        }
        return new String(Arrays.copyOfRange(bytes, start, bytes.length), StandardCharsets.UTF_8);
    }
}
