package io.albert4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.cli.AlbertCli;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingPlotTest {
    @TempDir
    Path dir;

    private void writeMetrics() throws IOException {
        LearningRateSchedule schedule = LearningRateSchedule.linear(1e-3, 200, 20);
        try (MetricsLog log = new MetricsLog(dir)) {
            for (int step = 1; step <= 200; step += 3) {
                double progress = step / 200.0;
                log.append(MetricsRecord.train(step, 10 * Math.exp(-3 * progress), 0.6 * progress,
                        0.5 + 0.4 * progress, schedule.at(step), 20000 + step));
                if ((step - 1) % 48 == 0) {  // steps 1, 49, 97, 145, 193
                    log.append(MetricsRecord.eval(step, 9 * Math.exp(-3 * progress), 0.55 * progress, 0.5 + 0.35 * progress));
                }
            }
        }
    }

    @Test
    void writesPngOfExpectedSizeAndSelfContainedHtml() throws IOException {
        writeMetrics();
        Path png = TrainingPlot.write(dir);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "a decodable PNG");
        assertEquals(TrainingPlot.WIDTH, image.getWidth());
        assertEquals(TrainingPlot.PANELS * TrainingPlot.PANEL_HEIGHT, image.getHeight());

        String html = Files.readString(dir.resolve(TrainingPlot.HTML_FILE));
        assertTrue(html.contains("data:image/png;base64,"), "PNG embedded, no network needed");
        assertTrue(!html.contains("http://") && !html.contains("https://"), "no external resources");
        String base64 = html.substring(html.indexOf("base64,") + 7, html.indexOf('"', html.indexOf("base64,")));
        assertEquals(Files.size(png), Base64.getDecoder().decode(base64).length);
        assertEquals(5, html.split("<tr><td>", -1).length - 1, "one table row per eval point");
    }

    @Test
    void plotCommandWritesBothFilesAndReportsMissingMetrics() throws IOException {
        writeMetrics();
        assertEquals(0, AlbertCli.run("plot", dir.toString()));
        assertTrue(Files.size(dir.resolve(TrainingPlot.PNG_FILE)) > 1000);
        assertTrue(Files.exists(dir.resolve(TrainingPlot.HTML_FILE)));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertEquals(1, AlbertCli.run("plot", empty.toString()));
        Files.createFile(empty.resolve(MetricsLog.FILE_NAME));
        assertThrows(IllegalArgumentException.class, () -> TrainingPlot.write(empty));
    }
}
