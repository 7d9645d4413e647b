package io.incidentcorrelator.collectors.kubernetes.internal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8TailTest {

    @Test
    void shortTextIsLeftAlone() {
        assertEquals("panic: oops", Utf8Tail.keepEnd("panic: oops", 4096));
        assertEquals("", Utf8Tail.keepEnd("", 0));
    }

    @Test
    void keepsTheEndWithinTheBudget() {
        assertEquals("6789", Utf8Tail.keepEnd("0123456789", 4));
    }

    @Test
    void neverStartsInsideACharacter() {
        // "ü" is two bytes, "€" three: a 4-byte budget over "ü€x" (6 bytes) can hold "€x" only.
        assertEquals("€x", Utf8Tail.keepEnd("ü€x", 4));
        assertEquals("x", Utf8Tail.keepEnd("ü€x", 3));
        final String cut = Utf8Tail.keepEnd("€".repeat(2000), 4096);
        assertEquals(4095, cut.getBytes(StandardCharsets.UTF_8).length);
    }
}
