package io.incidentcorrelator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** PNG charts for docs/performance.md, drawn headless with JFreeChart. */
final class BenchChart {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private BenchChart() {
    }

    /** Records done against seconds, raw pipe and topology on one plot. */
    static void timeline(Path file, ThroughputCurve raw, ThroughputCurve topology, String subtitle) throws IOException {
        final XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(series("raw pipe (exactly-once copy)", raw));
        data.addSeries(series("correlation topology", topology));
        final XYPlot plot = new XYPlot(data, new NumberAxis("seconds"), new NumberAxis("records done"),
                new XYLineAndShapeRenderer(true, false));
        final JFreeChart chart = new JFreeChart("bench: records processed over time", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle(subtitle));
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 500);
    }

    private static XYSeries series(String name, ThroughputCurve t) {
        final XYSeries s = new XYSeries(name, false, true);
        t.points().forEach(p -> s.add(p.seconds(), p.records()));
        return s;
    }

    /** Records/s (topology, raw pipe) and heap peak against days of history, from --out-json files. */
    static void scaling(Path file, List<Path> results) throws IOException {
        final ObjectMapper mapper = new ObjectMapper();
        final List<JsonNode> runs = new ArrayList<>();
        for (Path p : results) {
            runs.add(mapper.readTree(p.toFile()));
        }
        runs.sort(Comparator.comparingInt(n -> n.get("days").asInt()));
        final XYSeries topology = new XYSeries("topology rec/s");
        final XYSeries raw = new XYSeries("raw pipe rec/s");
        final XYSeries heap = new XYSeries("heap peak MiB");
        for (JsonNode n : runs) {
            final int days = n.get("days").asInt();
            topology.add(days, n.get("topologyRecordsPerSecond").asDouble());
            raw.add(days, n.get("rawPipeRecordsPerSecond").asDouble());
            heap.add(days, n.get("heapPeakMiB").asDouble());
        }
        final XYSeriesCollection rates = new XYSeriesCollection();
        rates.addSeries(raw);
        rates.addSeries(topology);
        final XYPlot plot = new XYPlot(rates, new NumberAxis("days of history"), new NumberAxis("records/s"),
                new XYLineAndShapeRenderer(true, true));
        plot.setDataset(1, new XYSeriesCollection(heap));
        plot.setRangeAxis(1, new NumberAxis("heap peak (MiB)"));
        plot.mapDatasetToRangeAxis(1, 1);
        final XYLineAndShapeRenderer heapRenderer = new XYLineAndShapeRenderer(true, true);
        heapRenderer.setSeriesPaint(0, Color.DARK_GRAY);
        plot.setRenderer(1, heapRenderer);
        final JFreeChart chart = new JFreeChart("bench: throughput and heap by days of history",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        if (!runs.isEmpty()) {
            chart.addSubtitle(new TextTitle(runs.get(0).path("machine").asText("")));
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 500);
    }
}
