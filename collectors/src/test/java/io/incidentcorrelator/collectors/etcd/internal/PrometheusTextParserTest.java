package io.incidentcorrelator.collectors.etcd.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusTextParserTest {

    static String fixture(String name) throws IOException {
        try (InputStream in = PrometheusTextParserTest.class.getResourceAsStream("/etcd/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsRecordedEtcdMetricsWithoutErrors() throws IOException {
        final MetricsSnapshot s = PrometheusTextParser.parse(fixture("metrics-1.txt"));

        assertEquals(List.of(), s.errors());
        assertEquals("histogram", s.type("etcd_disk_wal_fsync_duration_seconds").orElseThrow());
        assertEquals("counter", s.type("etcd_server_slow_apply_total").orElseThrow());
        assertEquals("summary", s.type("go_gc_duration_seconds").orElseThrow());
        assertEquals("The latency distributions of fsync called by WAL.",
                s.help("etcd_disk_wal_fsync_duration_seconds").orElseThrow());
        assertEquals(2147483648.0, s.sum("etcd_mvcc_db_total_size_in_bytes").orElseThrow());
        assertEquals(1.77202560121e9, s.sum("process_start_time_seconds").orElseThrow());
        assertEquals("2e1259d415f2a040", s.samples("etcd_server_id").get(0).label("server_id"));

        final Histogram wal = s.histogram("etcd_disk_wal_fsync_duration_seconds").orElseThrow();
        assertEquals(15, wal.buckets().size());
        assertEquals(Double.POSITIVE_INFINITY, wal.buckets().get(14).upperBound());
        assertEquals(4000, wal.observations());
        assertEquals(4000, wal.count());
        assertEquals(1200, wal.buckets().get(0).cumulativeCount());
    }

    @Test
    void helpAndTypeAndPlainComments() {
        final MetricsSnapshot s = PrometheusTextParser.parse("""
                # just a comment
                #no space either
                # HELP m A line\\nwith a newline and a \\\\ backslash and "quotes"
                # TYPE m gauge
                # HELP
                m 1
                """);
        assertEquals(List.of(), s.errors());
        assertEquals("A line\nwith a newline and a \\ backslash and \"quotes\"", s.help("m").orElseThrow());
        assertEquals("gauge", s.type("m").orElseThrow());
        assertEquals(1, s.samples().size());
    }

    @Test
    void labelsWithEscapesSpacesAndTrailingComma() {
        final MetricsSnapshot s = PrometheusTextParser.parse(
                "http_requests_total{ path = \"C:\\\\dir\\\\\\\"q\\\"\" , msg=\"line1\\nline2\",empty=\"\",} 3\n"
                        + "with_braces{a=\"}{,=\"} 4\n");
        assertEquals(List.of(), s.errors());
        final Sample a = s.samples("http_requests_total").get(0);
        assertEquals(Map.of("path", "C:\\dir\\\"q\"", "msg", "line1\nline2", "empty", ""), a.labels());
        assertEquals(3.0, a.value());
        assertEquals("}{,=", s.samples("with_braces").get(0).label("a"));
    }

    @Test
    void specialValuesExponentsAndTimestamps() {
        final MetricsSnapshot s = PrometheusTextParser.parse("""
                a +Inf
                b -Inf
                c NaN
                d 1.5e-05
                e 1.79529331204e+09
                f -0.25 1708886592000
                g\t42\t-17
                h 7 1708886592000 # {trace_id="abc"} 0.5
                i 1E3
                """);
        assertEquals(List.of(), s.errors());
        assertEquals(Double.POSITIVE_INFINITY, s.sum("a").orElseThrow());
        assertEquals(Double.NEGATIVE_INFINITY, s.sum("b").orElseThrow());
        assertTrue(Double.isNaN(s.sum("c").orElseThrow()));
        assertEquals(1.5e-5, s.sum("d").orElseThrow());
        assertEquals(1.79529331204e9, s.sum("e").orElseThrow());
        assertEquals(-0.25, s.samples("f").get(0).value());
        assertEquals(1708886592000L, s.samples("f").get(0).timestampMillis().orElseThrow());
        assertEquals(-17L, s.samples("g").get(0).timestampMillis().orElseThrow());
        assertEquals(1708886592000L, s.samples("h").get(0).timestampMillis().orElseThrow());
        assertFalse(s.samples("a").get(0).timestampMillis().isPresent());
        assertEquals(1000.0, s.sum("i").orElseThrow());
    }

    @Test
    void crlfAndBlankLinesAndNoFinalNewline() {
        final MetricsSnapshot s = PrometheusTextParser.parse("# TYPE x counter\r\n\r\n   \r\nx 1\r\ny{l=\"v\"} 2");
        assertEquals(List.of(), s.errors());
        assertEquals(1.0, s.sum("x").orElseThrow());
        assertEquals(2.0, s.sum("y").orElseThrow());
    }

    @Test
    void malformedLinesAreReportedAndSkipped() {
        final MetricsSnapshot s = PrometheusTextParser.parse("""
                good 1
                1bad 2
                no_value
                bad_value 0x10
                java_suffix 1d
                bad_label{l=unquoted} 1
                unterminated{l="x} 1
                dup{l="a",l="b"} 1
                trailing 1 2 3
                # TYPE t sandwich
                also_good{a="b"} 2
                """);
        assertEquals(1.0, s.sum("good").orElseThrow());
        assertEquals(2.0, s.sum("also_good").orElseThrow());
        assertEquals(2, s.samples().size());
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8, 9, 10),
                s.errors().stream().map(ParseError::lineNumber).toList());
    }

    @Test
    void histogramIsSummedAcrossOtherLabels() {
        final MetricsSnapshot s = PrometheusTextParser.parse("""
                # TYPE h histogram
                h_bucket{op="a",le="0.1"} 1
                h_bucket{op="a",le="1"} 2
                h_bucket{op="a",le="+Inf"} 3
                h_bucket{op="b",le="0.1"} 10
                h_bucket{op="b",le="1.0"} 20
                h_bucket{op="b",le="+Inf"} 30
                h_sum{op="a"} 1.5
                h_sum{op="b"} 2.5
                h_count{op="a"} 3
                h_count{op="b"} 30
                """);
        final Histogram h = s.histogram("h").orElseThrow();
        assertEquals(List.of(new Histogram.Bucket(0.1, 11), new Histogram.Bucket(1.0, 22),
                new Histogram.Bucket(Double.POSITIVE_INFINITY, 33)), h.buckets());
        assertEquals(4.0, h.sum());
        assertEquals(33, h.count());
    }

    @Test
    void missingInfBucketIsTakenFromCount() {
        final MetricsSnapshot s = PrometheusTextParser.parse("""
                h_bucket{le="0.5"} 4
                h_count 6
                """);
        final Histogram h = s.histogram("h").orElseThrow();
        assertEquals(6, h.observations());
        assertTrue(s.histogram("absent").isEmpty());
    }
}
