package io.albert4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The ONNX Runtime peer of {@code albert bench --mode infer}: times ALBERT's encoder + pooler (the graph
 * benchmarks/peers/export_onnx.py writes, no MLM or SOP head) on random token ids with ONNX Runtime's CPU execution
 * provider, and prints one line in the format of {@code albert bench}:
 *
 * <pre>
 * bench model=albert-base seq=128 batch=8 mode=infer-encoder device=cpu tokens/s=... step_ms=...
 * </pre>
 *
 * step_ms is the mean wall time of one {@code session.run} over --steps after --warmup untimed runs; at batch 1 it is
 * the latency. Each step wraps the batch in fresh input tensors, as albert bench copies its batch into each step.
 * Inputs follow BenchCommand's batch: id 2 ([CLS]) first, then uniform ids in [5, vocab), an all-ones mask, token
 * type 0 for the first half and 1 for the second.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar io.albert4j.bench.OnnxRuntimePeer \
 *     --model ~/.cache/albert4j/peers/albert-base.onnx --seq 128 --batch 8 --steps 5 --warmup 1 --threads 2
 * </pre>
 */
public final class OnnxRuntimePeer {
    /** vocab_size of every released ALBERT config and of BenchCommand.tiny(). */
    private static final int DEFAULT_VOCAB = 30000;
    /** bos_token_id ([CLS]) of the released configs. */
    private static final long CLS_ID = 2;
    private static final String USAGE = "usage: OnnxRuntimePeer --model FILE [--seq 128] [--batch 8] [--steps 5] "
            + "[--warmup 1] [--threads N (default: all cores)] [--vocab 30000] [--seed 1] [--name albert-NAME]";

    private OnnxRuntimePeer() {
    }

    /** The command line, checked: every option takes a value. */
    record Options(Path model, String name, int seq, int batch, int steps, int warmup, int threads, int vocab,
                   long seed) {
        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            Set<String> known = Set.of("--model", "--name", "--seq", "--batch", "--steps", "--warmup", "--threads",
                    "--vocab", "--seed");
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--help") || args[i].equals("-h")) {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                if (!known.contains(args[i]) || i + 1 == args.length) {
                    throw new IllegalArgumentException((known.contains(args[i]) ? "option " + args[i]
                            + " needs a value" : "unknown option '" + args[i] + "'") + "\n" + USAGE);
                }
                values.put(args[i], args[++i]);
            }
            if (!values.containsKey("--model")) {
                throw new IllegalArgumentException("--model FILE is required\n" + USAGE);
            }
            Path model = Path.of(values.get("--model"));
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException(model + ": no such file (write it with "
                        + "benchmarks/peers/export_onnx.py --config NAME --out " + model + ")");
            }
            // albert-base.onnx -> albert-base, the model name of albert bench's line
            String name = values.getOrDefault("--name",
                    model.getFileName().toString().replaceFirst("\\.onnx$", ""));
            Options parsed = new Options(model, name, integer(values, "--seq", 128), integer(values, "--batch", 8),
                    integer(values, "--steps", 5), integer(values, "--warmup", 1),
                    integer(values, "--threads", Runtime.getRuntime().availableProcessors()),
                    integer(values, "--vocab", DEFAULT_VOCAB), Long.parseLong(values.getOrDefault("--seed", "1")));
            if (parsed.seq <= 0 || parsed.batch <= 0 || parsed.steps <= 0 || parsed.warmup < 0 || parsed.threads <= 0
                    || parsed.vocab <= 5) {
                throw new IllegalArgumentException("--seq, --batch, --steps and --threads must be > 0, --warmup >= 0 "
                        + "and --vocab > 5; got " + parsed);
            }
            return parsed;
        }

        private static int integer(Map<String, String> values, String option, int fallback) {
            String value = values.get(option);
            try {
                return value == null ? fallback : Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes an integer, got '" + value + "'", e);
            }
        }
    }

    public static void main(String[] args) throws OrtException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("OnnxRuntimePeer: " + e.getMessage());
            System.exit(2);
            return;
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "albert4j-peer");
        try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
            sessionOptions.setIntraOpNumThreads(options.threads);
            sessionOptions.setInterOpNumThreads(1);
            sessionOptions.setExecutionMode(ExecutionMode.SEQUENTIAL);
            sessionOptions.setOptimizationLevel(OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(options.model.toString(), sessionOptions)) {
                for (String input : session.getInputNames()) {
                    if (!Set.of("input_ids", "attention_mask", "token_type_ids").contains(input)) {
                        throw new IllegalArgumentException(options.model + ": unexpected input '" + input
                                + "', expected input_ids, attention_mask and token_type_ids (export_onnx.py's)");
                    }
                }
                System.err.printf(Locale.ROOT, "OnnxRuntimePeer: ONNX Runtime %s, %s, intra-op threads %d, "
                        + "inter-op 1, ALL_OPT%n", env.getVersion(), options.model, options.threads);
                Map<String, long[]> batch = randomBatch(options);
                long[] shape = {options.batch, options.seq};
                long total = 0;
                for (int i = 0; i < options.warmup + options.steps; i++) {
                    long start = System.nanoTime();
                    Map<String, OnnxTensor> feed = new HashMap<>();
                    try {
                        for (String input : session.getInputNames()) {
                            feed.put(input, OnnxTensor.createTensor(env, LongBuffer.wrap(batch.get(input)), shape));
                        }
                        try (OrtSession.Result result = session.run(feed)) {
                            result.get(0); // last_hidden_state, as albert bench reads its output
                        }
                    } finally {
                        feed.values().forEach(OnnxTensor::close);
                    }
                    if (i >= options.warmup) {
                        total += System.nanoTime() - start;
                    }
                }
                double stepMillis = total / 1e6 / options.steps;
                System.out.printf(Locale.ROOT, "bench model=%s seq=%d batch=%d mode=infer-encoder device=cpu "
                        + "tokens/s=%.1f step_ms=%.2f%n", options.name, options.seq, options.batch,
                        (double) options.batch * options.seq / (stepMillis / 1000.0), stepMillis);
            }
        }
    }

    /** BenchCommand's random batch: [CLS] first, uniform ids in [5, vocab), all-ones mask, second half type 1. */
    static Map<String, long[]> randomBatch(Options options) {
        SplittableRandom random = new SplittableRandom(options.seed);
        int n = options.batch * options.seq;
        long[] ids = new long[n], mask = new long[n], types = new long[n];
        for (int i = 0; i < n; i++) {
            int position = i % options.seq;
            ids[i] = position == 0 ? CLS_ID : random.nextInt(5, options.vocab);
            mask[i] = 1;
            types[i] = position < options.seq / 2 ? 0 : 1;
        }
        return Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types);
    }
}
