package io.albert4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    @TempDir
    Path dir;

    @Test
    void appendsOneJsonObjectPerLineAndReadsThemBack() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            log.append(MetricsRecord.train(10, 7.5, 0.1, 0.5, 1e-4, 12345));
            // Flushed at once: visible to a reader before close.
            assertEquals(1, Files.readAllLines(log.file()).size());
            log.append(MetricsRecord.eval(10, 7.0, 0.12, 0.55, 0.08, 640.5));
            log.append(MetricsRecord.train(20, Double.NaN, 0.2, 0.6, 2e-4, 13000));
        }
        // A resumed run appends to the same file.
        try (MetricsLog log = new MetricsLog(dir)) {
            log.append(MetricsRecord.train(30, 6.0, 0.3, 0.7, 3e-4, 14000));
        }
        List<String> lines = Files.readAllLines(dir.resolve(MetricsLog.FILE_NAME));
        assertEquals(4, lines.size());
        assertTrue(lines.get(1).startsWith("{\"split\":\"eval\",\"step\":10,\"loss\":7.0"), lines.get(1));
        assertTrue(lines.get(1).contains("\"lr\":null"), lines.get(1));

        List<MetricsRecord> records = MetricsLog.read(dir);
        assertEquals(4, records.size());
        assertEquals(MetricsRecord.train(10, 7.5, 0.1, 0.5, 1e-4, 12345), records.get(0));
        assertEquals(MetricsRecord.eval(10, 7.0, 0.12, 0.55, 0.08, 640.5), records.get(1));
        assertTrue(Double.isNaN(records.get(2).loss()), "a diverged loss survives the round trip");
        assertEquals(30, records.get(3).step());
    }

    @Test
    void aLineCutShortByACrashIsSkippedOnlyAtTheEnd() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            log.append(MetricsRecord.train(1, 9, 0, 0.5, 1e-5, 100));
        }
        Path file = dir.resolve(MetricsLog.FILE_NAME);
        Files.writeString(file, "{\"split\":\"train\",\"st", StandardOpenOption.APPEND);
        assertEquals(1, MetricsLog.read(dir).size());
        Files.writeString(file, "\n{\"split\":\"train\",\"step\":2}\n", StandardOpenOption.APPEND);
        assertThrows(IOException.class, () -> MetricsLog.read(dir));
    }

    @Test
    void truncatingKeepsTheEarlierLinesVerbatimAndRecoversAnInterruptedRewrite() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            for (long step = 1; step <= 4; step++) {
                log.append(MetricsRecord.train(step, 9 - step, 0.1, 0.5, 1e-4, 100));
            }
        }
        Path file = dir.resolve(MetricsLog.FILE_NAME);
        List<String> lines = Files.readAllLines(file);
        Files.writeString(file, "{\"split\":\"train\",\"st", StandardOpenOption.APPEND);
        MetricsLog.truncateAfter(dir, 2);
        assertEquals(lines.subList(0, 2), Files.readAllLines(file), "times and all, the torn line dropped");

        // Earlier versions moved the file to .previous before rewriting it; killed then, .previous is complete.
        Files.write(dir.resolve(MetricsLog.FILE_NAME + ".previous"), lines);
        Files.write(file, lines.subList(0, 1));
        MetricsLog.truncateAfter(dir, 3);
        assertEquals(lines.subList(0, 3), Files.readAllLines(file));
        try (var entries = Files.list(dir)) {
            assertEquals(List.of(file), entries.toList(), "no .previous or temporary file left");
        }
    }
}
