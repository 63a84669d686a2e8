package io.albert4j.train;

import io.albert4j.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Training curves from {@code DIR/metrics.jsonl}: {@code training-curves.png} (loss, MLM/SOP accuracy and learning
 * rate against step, train and eval series) and {@code training-curves.html}, a self-contained page with the PNG
 * embedded and a table of the eval points, viewable without network access.
 */
public final class TrainingPlot {
    public static final String PNG_FILE = "training-curves.png";
    public static final String HTML_FILE = "training-curves.html";
    public static final int WIDTH = 900;
    public static final int PANEL_HEIGHT = 300;
    public static final int PANELS = 3;

    private TrainingPlot() {
    }

    /** Writes both files into {@code dir}; returns the PNG path. */
    public static Path write(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve(MetricsLog.FILE_NAME))) {
            throw new IllegalArgumentException("no " + MetricsLog.FILE_NAME + " in " + dir + ": nothing to plot");
        }
        List<MetricsRecord> records = MetricsLog.read(dir);
        if (records.isEmpty()) {
            throw new IllegalArgumentException(dir.resolve(MetricsLog.FILE_NAME) + " holds no metrics to plot");
        }
        System.setProperty("java.awt.headless", System.getProperty("java.awt.headless", "true"));
        List<MetricsLog.Line> lines = MetricsLog.readLines(dir);
        boolean pretraining = lines.stream().anyMatch(l -> l.values().containsKey("mlm_accuracy")
                || l.values().containsKey("sop_accuracy"));
        if (!pretraining) {
            return writeFinetuning(dir, lines);
        }
        List<MetricsRecord> train = records.stream().filter(r -> !r.isEval()).toList();
        List<MetricsRecord> eval = records.stream().filter(MetricsRecord::isEval).toList();

        XYChart loss = chart("Loss", "loss");
        addSeries(loss, "train loss", train, MetricsRecord::loss, false);
        addSeries(loss, "eval loss", eval, MetricsRecord::loss, true);
        XYChart accuracy = chart("Accuracy", "accuracy");
        addSeries(accuracy, "train MLM", train, MetricsRecord::mlmAccuracy, false);
        addSeries(accuracy, "train SOP", train, MetricsRecord::sopAccuracy, false);
        addSeries(accuracy, "eval MLM", eval, MetricsRecord::mlmAccuracy, true);
        addSeries(accuracy, "eval MLM at [MASK]", eval, MetricsRecord::mlmAccuracyAtMask, true);
        addSeries(accuracy, "eval SOP", eval, MetricsRecord::sopAccuracy, true);
        XYChart lr = chart("Learning rate", "lr");
        addSeries(lr, "lr", train, MetricsRecord::lr, false);

        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(List.of(loss, accuracy, lr), PANELS, 1, png, BitmapEncoder.BitmapFormat.PNG);
        byte[] pngBytes = png.toByteArray();
        Path pngFile = dir.resolve(PNG_FILE);
        AtomicFiles.writeFile(pngFile, temp -> Files.write(temp, pngBytes));
        String html = html(dir, pngBytes, train, eval);
        AtomicFiles.writeFile(dir.resolve(HTML_FILE), temp -> Files.writeString(temp, html));
        return pngFile;
    }

    /**
     * A fine-tuning run: loss (train and eval), the task's eval metrics (accuracy, F1, Matthews, Pearson, EM ...;
     * counts and thresholds left out) and the learning rate.
     */
    private static Path writeFinetuning(Path dir, List<MetricsLog.Line> lines) throws IOException {
        List<MetricsLog.Line> train = lines.stream().filter(l -> !l.isEval()).toList();
        List<MetricsLog.Line> eval = lines.stream().filter(MetricsLog.Line::isEval).toList();
        XYChart loss = chart("Loss", "loss");
        addLineSeries(loss, "train loss", train, "loss", false);
        addLineSeries(loss, "eval loss", eval, "loss", true);
        XYChart metrics = chart("Eval metrics", "score");
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        eval.forEach(l -> keys.addAll(l.values().keySet()));
        for (String key : keys) {
            if (!key.equals("loss") && !key.endsWith("total") && !key.endsWith("_thresh")) {
                addLineSeries(metrics, key, eval, key, true);
            }
        }
        XYChart lr = chart("Learning rate", "lr");
        addLineSeries(lr, "lr", train, "lr", false);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(List.of(loss, metrics, lr), PANELS, 1, png, BitmapEncoder.BitmapFormat.PNG);
        byte[] pngBytes = png.toByteArray();
        Path pngFile = dir.resolve(PNG_FILE);
        AtomicFiles.writeFile(pngFile, temp -> Files.write(temp, pngBytes));
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>albert4j training curves</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>\n")
                .append("<h1>Fine-tuning curves: ").append(escape(dir.toAbsolutePath().getFileName().toString()))
                .append("</h1>\n<img alt=\"training curves\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(pngBytes)).append("\">\n<h2>Eval</h2>\n<table><tr><th>step</th>");
        keys.forEach(k -> b.append("<th>").append(escape(k)).append("</th>"));
        b.append("</tr>\n");
        for (MetricsLog.Line l : eval) {
            b.append("<tr><td>").append(l.step()).append("</td>");
            keys.forEach(k -> b.append("<td>").append(fmt(l.values().getOrDefault(k, Double.NaN))).append("</td>"));
            b.append("</tr>\n");
        }
        String html = b.append("</table>\n</body></html>\n").toString();
        AtomicFiles.writeFile(dir.resolve(HTML_FILE), temp -> Files.writeString(temp, html));
        return pngFile;
    }

    private static void addLineSeries(XYChart chart, String name, List<MetricsLog.Line> lines, String key,
                                      boolean markers) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (MetricsLog.Line l : lines) {
            Double y = l.values().get(key);
            if (y != null && Double.isFinite(y)) {
                xs.add((double) l.step());
                ys.add(y);
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys).setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title).xAxisTitle("step")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(4);
        return chart;
    }

    /** Skips points where the value was not measured; XChart rejects empty series, so those are left out. */
    private static void addSeries(XYChart chart, String name, List<MetricsRecord> records,
                                  ToDoubleFunction<MetricsRecord> value, boolean markers) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (MetricsRecord r : records) {
            double y = value.applyAsDouble(r);
            if (Double.isFinite(y)) {
                xs.add((double) r.step());
                ys.add(y);
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    private static String html(Path dir, byte[] png, List<MetricsRecord> train, List<MetricsRecord> eval) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>albert4j training curves</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>\n")
                .append("<h1>Training curves: ").append(escape(dir.toAbsolutePath().getFileName().toString()))
                .append("</h1>\n<img alt=\"training curves\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
        if (!train.isEmpty()) {
            MetricsRecord last = train.get(train.size() - 1);
            b.append("<p>Last train step ").append(last.step()).append(": loss ").append(fmt(last.loss()))
                    .append(", MLM acc ").append(fmt(last.mlmAccuracy())).append(", SOP acc ")
                    .append(fmt(last.sopAccuracy())).append(", lr ").append(fmt(last.lr())).append(", ")
                    .append(fmt(last.tokensPerSecond())).append(" tokens/s</p>\n");
        }
        b.append("<h2>Eval</h2>\n<table><tr><th>step</th><th>loss</th><th>MLM accuracy</th><th>SOP accuracy</th></tr>\n");
        for (MetricsRecord r : eval) {
            b.append("<tr><td>").append(r.step()).append("</td><td>").append(fmt(r.loss())).append("</td><td>")
                    .append(fmt(r.mlmAccuracy())).append("</td><td>").append(fmt(r.sopAccuracy())).append("</td></tr>\n");
        }
        return b.append("</table>\n</body></html>\n").toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
