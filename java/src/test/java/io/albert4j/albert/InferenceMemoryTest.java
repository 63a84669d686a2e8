package io.albert4j.albert;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Native memory stays flat over {@value #CALLS} inference calls: the resident set (VmRSS) of a JVM whose heap is
 * fixed and touched up front ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}) grows by less than
 * {@value #BOUND_MIB} MiB from the end of a warm-up to the last call, so what would grow is off-heap: tensors,
 * arenas, kernel scratch. A leak of one small activation ([2, 16, 32] floats, 4 KiB) per call would add 40 MiB.
 * The child compiles with C1 only: C2's code and compiler arenas grew the RSS by up to 20 MiB over the first ~12,000
 * calls on a loaded machine and then stayed flat, which is the JIT, not albert4j (with C1: +1 MiB in the first 4,000
 * calls, then +44 KiB over 36,000). Linux only (VmRSS from /proc/self/status).
 */
class InferenceMemoryTest {
    static final int CALLS = 10_000;
    static final int WARMUP = 2_000;
    static final int BOUND_MIB = 8;

    @Test
    void residentMemoryStaysFlatOverTenThousandPredictCalls() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "VmRSS is read from Linux's /proc/self/status");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-Xms96m", "-Xmx96m",
                "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dalbert4j.threads=1", "-cp",
                System.getProperty("java.class.path"), PredictMany.class.getName()));
        Path log = Files.createTempFile("albert4j-rss", ".log");
        try {
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(child.waitFor(3, TimeUnit.MINUTES), "PredictMany did not finish in 3 minutes");
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, child.exitValue(), output);
            Matcher m = Pattern.compile("rss_kib warm=(\\d+) end=(\\d+) calls=(\\d+)").matcher(output);
            assertTrue(m.find(), output);
            long warm = Long.parseLong(m.group(1));
            long end = Long.parseLong(m.group(2));
            assertEquals(CALLS, Integer.parseInt(m.group(3)));
            System.out.printf("InferenceMemoryTest: VmRSS %d KiB after %d warm-up calls, %d KiB after %d more (%+d KiB)%n",
                    warm, WARMUP, end, CALLS, end - warm);
            assertTrue(end - warm < BOUND_MIB * 1024L, "VmRSS grew from " + warm + " KiB to " + end + " KiB over "
                    + CALLS + " predict calls");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The child: a tiny masked-LM model, {@link #WARMUP} calls, VmRSS, {@link #CALLS} calls, VmRSS. */
    static final class PredictMany {
        public static void main(String[] args) throws IOException {
            AlbertConfig config = AlbertConfig.builder().vocabSize(100).embeddingSize(16).hiddenSize(32)
                    .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).maxPositionEmbeddings(32).build();
            int[][] ids = new int[2][16];
            int[][] mask = new int[2][16];
            int[][] types = new int[2][16];
            for (int b = 0; b < 2; b++) {
                for (int s = 0; s < 16; s++) {
                    ids[b][s] = (7 * b + 3 * s) % 100;
                    mask[b][s] = s < 12 + b ? 1 : 0;
                    types[b][s] = s < 8 ? 0 : 1;
                }
            }
            try (AlbertForMaskedLM model = AlbertForMaskedLM.create(config, 3)) {
                double check = 0;
                for (int i = 0; i < WARMUP; i++) {
                    check += model.predict(ids, mask, types).values()[i % 100];
                }
                System.gc();
                long warm = rssKib();
                for (int i = 0; i < CALLS; i++) {
                    check += model.predict(ids, mask, types).values()[i % 100];
                }
                System.gc();
                long end = rssKib();
                if (!Double.isFinite(check)) {
                    throw new IllegalStateException("non-finite logits");
                }
                System.out.println("rss_kib warm=" + warm + " end=" + end + " calls=" + CALLS);
            }
        }

        private static long rssKib() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IllegalStateException("no VmRSS in /proc/self/status");
        }
    }
}
