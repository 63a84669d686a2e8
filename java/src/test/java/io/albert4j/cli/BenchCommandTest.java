package io.albert4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.albert4j.backend.Backends;
import io.albert4j.tensor.Device;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code albert bench}: its output lines parse, and a missing GPU is a clear error, not a crash. */
class BenchCommandTest {
    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = new CommandLine(new AlbertCli()).setExecutionExceptionHandler(new CliErrors())
                .setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** "bench k=v k=v ..." as an ordered map; fails unless the line has exactly that form. */
    static Map<String, String> parse(String line) {
        String[] parts = line.trim().split(" ");
        assertEquals("bench", parts[0], line);
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            assertEquals(2, kv.length, "field '" + parts[i] + "' of " + line);
            fields.put(kv[0], kv[1]);
        }
        return fields;
    }

    @Test
    void tinyTrainAndInferLinesParse() {
        Result r = run("bench", "--config", "tiny", "--seq", "16", "--batch", "2", "--steps", "1", "--warmup", "0");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        for (int i = 0; i < 2; i++) {
            Map<String, String> f = parse(lines.get(i));
            assertEquals(List.of("model", "seq", "batch", "mode", "device", "tokens/s", "step_ms", "peak_mem_mib"),
                    List.copyOf(f.keySet()), lines.get(i));
            assertEquals("albert-tiny", f.get("model"));
            assertEquals("16", f.get("seq"));
            assertEquals("2", f.get("batch"));
            assertEquals(i == 0 ? "infer" : "train", f.get("mode"));
            assertEquals("cpu", f.get("device"));
            double tokensPerSecond = Double.parseDouble(f.get("tokens/s"));
            double stepMs = Double.parseDouble(f.get("step_ms"));
            assertTrue(tokensPerSecond > 0 && stepMs > 0, lines.get(i));
            assertEquals(32 / (stepMs / 1000), tokensPerSecond, 0.01 * tokensPerSecond, "tokens/s = B*S / step");
            assertTrue(Double.parseDouble(f.get("peak_mem_mib")) > 0, lines.get(i));
        }
    }

    @Test
    void aTrainingStepOf1024RowsMultipliesByPackedWeights() {
        // 16 × 64 = 1,024 rows, a b8×s128 step's count: the forward and input-gradient GEMMs of the shared layer run
        // on the weights packed once for the step, as at 32 rows (a plain GEMM packs B again in every call).
        Result r = run("bench", "--config", "tiny", "--seq", "64", "--batch", "16", "--steps", "1", "--warmup", "1",
                "--mode", "train", "--profile");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.stream().anyMatch(
                l -> l.matches("gemm NP 1024x384x128 \\+bias \\(B packed once\\) +forward +2 .*")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("gemm NP 1024x128x384 \\(B packed once\\) +backward +2 .*")),
                r.out());
        assertTrue(lines.stream().noneMatch(l -> l.matches("gemm NT 1024x.*")), r.out());
    }

    @Test
    void profileTablesEveryKernelOfTheStep() {
        Result r = run("bench", "--config", "tiny", "--seq", "16", "--batch", "2", "--steps", "2", "--warmup", "1",
                "--mode", "train", "--profile");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        double stepMs = Double.parseDouble(parse(lines.get(0)).get("step_ms"));
        assertTrue(lines.get(1).startsWith("kernel") && lines.get(1).contains("ms/step"), r.out());
        // The tiny model runs its linear layers forward on weights packed once per step, the bias (and activation)
        // in the GEMM's epilogue (2 layers x o and the embedding projection: 3 GEMMs a step, q, k and v stacked into
        // one GEMM per layer, plus the MLM transform with its GELU), and its weight gradients as TN GEMMs.
        assertTrue(lines.stream().anyMatch(l -> l.matches("gemm NP 32x128x128 \\+bias \\(B packed once\\) +forward +3 .*")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("gemm NP 32x384x128 \\+bias \\(B packed once\\) +forward +2 .*")),
                r.out());
        assertTrue(lines.stream().anyMatch(
                l -> l.matches("gemm NP 32x128x128 \\+bias \\+gelu_tanh \\(B packed once\\) +forward +1 .*")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("packGemmB +forward .*")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("gemm TN 128x128x32 +backward .*")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("attentionBackward")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("lambUpdate")), r.out());
        double kernelMs = 0;
        for (String line : lines.subList(2, lines.size() - 1)) {
            String[] cols = line.trim().split(" +");
            kernelMs += Double.parseDouble(cols[cols.length - 2]);
        }
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("(outside kernels)"), r.out());
        assertTrue(kernelMs > 0 && kernelMs <= stepMs * 1.01, "kernels " + kernelMs + " ms of a " + stepMs + " ms step");
    }

    @Test
    void encoderOnlyInferenceAndMaskedMlmTrainingAreLabelled() {
        Result r = run("bench", "--config", "tiny", "--seq", "16", "--batch", "2", "--steps", "1", "--warmup", "0",
                "--encoder-only", "--mlm-positions", "masked");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("infer-encoder", parse(lines.get(0)).get("mode"));
        assertEquals("train-masked-mlm", parse(lines.get(1)).get("mode"));
    }

    @Test
    void cudaWithoutAGpuFailsWithTheReason() {
        assumeFalse(Backends.isAvailable(Device.Kind.CUDA), "a CUDA device is present here; nothing to check");
        Result r = run("bench", "--config", "tiny", "--seq", "8", "--batch", "1", "--steps", "1", "--device", "cuda");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("albert bench") && r.err().contains("cuda"), r.err());
        assertTrue(r.err().contains("no backend for device cuda:0: "), "names why: " + r.err());
        assertTrue(r.out().isEmpty(), "no bench line without a device: " + r.out());
    }

    @Test
    void badArgumentsAreRejected() {
        Result r = run("bench", "--config", "tiny", "--seq", "0");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("--seq"), r.err());
        Result tooLong = run("bench", "--config", "tiny", "--seq", "1000", "--steps", "1");
        assertTrue(tooLong.err().contains("max_position_embeddings"), tooLong.err());
        Result tf32 = run("bench", "--config", "tiny", "--seq", "8", "--batch", "1", "--steps", "1", "--tf32");
        assertNotEquals(0, tf32.exitCode());
        assertTrue(tf32.err().contains("--tf32 needs a cuda device"), tf32.err());
    }
}
