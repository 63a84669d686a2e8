package io.albert4j.cli;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.albert.AlbertModel;
import io.albert4j.albert.ModelConfigs;
import io.albert4j.autograd.NoGrad;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.backend.cpu.CpuBackend;
import io.albert4j.backend.KernelProfile;
import io.albert4j.ops.PackedWeightCache;
import io.albert4j.ops.Step;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import io.albert4j.train.Lamb;
import io.albert4j.train.OptimizerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code albert bench}: times an ALBERT pretraining step (forward + backward + LAMB) and inference (forward under
 * NoGrad) on random token ids, one line per run in the format benchmarks/hf_peer.py and
 * benchmarks/peers/torch_cpu_peer.py print, so the three can be compared line by line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time ALBERT pretraining steps and inference on random inputs.",
                "Prints: bench model=albert-NAME seq=S batch=B mode=train|infer[-tf32] device=D tokens/s=T "
                        + "step_ms=M peak_mem_mib=P",
                "tokens/s = batch*seq / mean step time over --steps (after --warmup untimed steps).",
                "peak_mem_mib = albert4j's own accounting of device memory: parameters, plus gradients and the two "
                        + "LAMB moments in train mode, plus the step arena's high-water mark and the packed weights that "
                        + "inference steps share (not process RSS)."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", defaultValue = "base", paramLabel = "NAME|FILE",
            description = "preset (base, large, xlarge, xxlarge, optionally -v1/-v2; tiny = 2 layers of width 128; demo = "
                    + "the model of albert demo) "
                    + "or a config.json (default: ${DEFAULT-VALUE})")
    String config;

    @Option(names = "--seq", defaultValue = "128", description = "sequence length (default: ${DEFAULT-VALUE})")
    int seq;

    @Option(names = "--batch", defaultValue = "8", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "5", description = "timed steps per run (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed steps first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--mode", defaultValue = "both", description = "train, infer or both (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--threads", defaultValue = "0",
            description = "CPU kernel threads; 0 = all cores or ALBERT4J_THREADS (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--tf32", description = "cuda only: fp32 matrix products on TF32 tensor cores")
    boolean tf32;

    @Option(names = "--bf16", description = "cpu only: matrix products on bf16 operands with fp32 accumulation "
            + "(AVX512_BF16); also prints how far the outputs are from fp32's on the same weights and batch")
    boolean bf16;

    @Option(names = "--seed", defaultValue = "1", description = "weights and inputs seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--profile", description = "after each run, a table of the time per kernel (forward and backward "
            + "apart, GEMMs by shape) per timed step, like torch.profiler's key averages")
    boolean profile;

    @Option(names = "--encoder-only", description = "infer: the encoder and pooler only (AlbertModel, the work of an "
            + "ONNX export of the encoder), without the MLM and SOP heads")
    boolean encoderOnly;

    @Option(names = "--mlm-positions", defaultValue = "all", description = "train: the MLM head at all positions (as "
            + "HF's AlbertForPreTraining and the PyTorch peer) or only at the masked ones (as albert pretrain and GR's "
            + "run_pretraining.py) (default: ${DEFAULT-VALUE})")
    String mlmPositions;

    /** The small config of the tests and the tiny peer run (width 128, 2 layers, 4 heads). */
    static AlbertConfig tiny() {
        return AlbertConfig.builder().vocabSize(30000).embeddingSize(128).hiddenSize(128).numHiddenLayers(2)
                .numAttentionHeads(4).intermediateSize(512).build();
    }

    static AlbertConfig resolve(String name) {
        if (name.equals("tiny")) {
            return tiny();
        }
        if (name.equals("demo")) {
            return ModelConfigs.resolve("demo", 8000, 128);  // the model `albert demo` trains, with its 8k vocabulary
        }
        if (name.endsWith(".json") || Files.isRegularFile(Path.of(name))) {
            return AlbertConfig.read(Path.of(name));
        }
        return AlbertConfig.preset(name);
    }

    /** The model name of the bench line: the preset's size, "tiny", or the config file's base name. */
    static String modelName(String name) {
        if (name.endsWith(".json") || Files.isRegularFile(Path.of(name))) {
            return "albert-" + Path.of(name).getFileName().toString().replaceFirst("\\.json$", "");
        }
        return "albert-" + (name.startsWith("albert-") ? name.substring("albert-".length()) : name);
    }

    @Override
    public Integer call() {
        if (seq <= 0 || batch <= 0 || steps <= 0 || warmup < 0) {
            throw new IllegalArgumentException("--seq, --batch and --steps must be > 0 and --warmup >= 0; got seq="
                    + seq + " batch=" + batch + " steps=" + steps + " warmup=" + warmup);
        }
        if (!mode.equals("train") && !mode.equals("infer") && !mode.equals("both")) {
            throw new IllegalArgumentException("--mode must be train, infer or both, got '" + mode + "'");
        }
        if (!mlmPositions.equals("all") && !mlmPositions.equals("masked")) {
            throw new IllegalArgumentException("--mlm-positions must be all or masked, got '" + mlmPositions + "'");
        }
        AlbertConfig cfg = resolve(config);
        if (seq > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("--seq " + seq + " exceeds the config's max_position_embeddings "
                    + cfg.maxPositionEmbeddings());
        }
        Device dev = Device.parse(device);
        Backend device = BackendSetup.open(dev, threads, tf32, bf16);
        KernelProfile kernels = profile ? new KernelProfile() : null;
        Backend backend = kernels != null ? kernels.wrap(device) : device;
        PrintWriter out = spec.commandLine().getOut();
        Batch data = Batch.random(cfg, batch, seq, seed);
        // Inference first: a fresh model without gradient buffers, so its memory line is its own.
        if (bf16) {
            out.println(bf16Agreement(cfg, (CpuBackend) device, data));
            out.flush();
        }
        if (!mode.equals("train")) {
            Timing timing = encoderOnly ? runEncoder(cfg, backend, data, kernels) : runInfer(cfg, backend, data, kernels);
            report(out, line(cfg, encoderOnly ? "infer-encoder" : "infer", dev, timing), timing, kernels);
        }
        if (!mode.equals("infer")) {
            Timing timing = runTrain(cfg, backend, data, kernels);
            report(out, line(cfg, mlmPositions.equals("masked") ? "train-masked-mlm" : "train", dev, timing), timing,
                    kernels);
        }
        return 0;
    }

    /**
     * How far bf16 products move the model's outputs: one inference forward of the same weights and batch with
     * fp32 and with bf16 GEMMs, compared on the MLM logits (largest difference, relative to the largest logit, and
     * how often the top-1 token agrees) and on the SOP logits.
     */
    private String bf16Agreement(AlbertConfig cfg, CpuBackend cpu, Batch data) {
        float[][] mlm = new float[2][], sop = new float[2][];
        try (AlbertForPreTraining model = AlbertForPreTraining.create(cfg, cpu, seed);
             StepArena arena = new StepArena(cpu, 64L << 20)) {
            model.eval();
            for (int run = 0; run < 2; run++) {
                cpu.setBf16Matmul(run == 1);
                try (NoGrad noGrad = NoGrad.enter(); Step step = Step.inference(cpu, arena)) {
                    AlbertForPreTrainingOutput out = model.forward(data.inputs(false), 0L);
                    mlm[run] = Backends.hostFloats(out.predictionLogits());
                    sop[run] = Backends.hostFloats(out.sopLogits());
                }
            }
        } finally {
            cpu.setBf16Matmul(true);
        }
        int vocab = cfg.vocabSize(), positions = mlm[0].length / vocab, sameTop = 0;
        double maxDiff = 0, maxLogit = 0;
        for (int p = 0; p < positions; p++) {
            int top0 = 0, top1 = 0;
            for (int v = 0; v < vocab; v++) {
                int i = p * vocab + v;
                maxDiff = Math.max(maxDiff, Math.abs(mlm[0][i] - mlm[1][i]));
                maxLogit = Math.max(maxLogit, Math.abs(mlm[0][i]));
                top0 = mlm[0][i] > mlm[0][p * vocab + top0] ? v : top0;
                top1 = mlm[1][i] > mlm[1][p * vocab + top1] ? v : top1;
            }
            sameTop += top0 == top1 ? 1 : 0;
        }
        double sopDiff = 0;
        for (int i = 0; i < sop[0].length; i++) {
            sopDiff = Math.max(sopDiff, Math.abs(sop[0][i] - sop[1][i]));
        }
        return String.format(Locale.ROOT, "agreement bf16 vs fp32: MLM logits max |diff| %.4f (%.2e of max |logit| "
                + "%.2f), top-1 token agrees at %d of %d positions (%.1f%%); SOP logits max |diff| %.4f", maxDiff,
                maxDiff / maxLogit, maxLogit, sameTop, positions, 100.0 * sameTop / positions, sopDiff);
    }

    private void report(PrintWriter out, String line, Timing timing, KernelProfile kernels) {
        out.println(line);
        if (kernels != null) {
            out.print(kernels.table(steps, timing.meanMillis));
        }
        out.flush();
    }

    /** Called after the warm-up steps: the profile counts the timed steps only. */
    private static void startTimedSteps(KernelProfile kernels) {
        if (kernels != null) {
            kernels.reset();
        }
    }

    private String line(AlbertConfig cfg, String runMode, Device dev, Timing t) {
        double tokensPerSecond = (double) batch * seq / (t.meanMillis / 1000.0);
        String shownMode = tf32 ? runMode + "-tf32" : bf16 ? runMode + "-bf16" : runMode;
        return String.format(Locale.ROOT, "bench model=%s seq=%d batch=%d mode=%s device=%s tokens/s=%.1f step_ms=%.2f "
                + "peak_mem_mib=%.0f", modelName(config), seq, batch, shownMode, dev, tokensPerSecond, t.meanMillis,
                t.peakBytes / (1024.0 * 1024.0));
    }

    private record Timing(double meanMillis, long peakBytes) {
    }

    private Timing runEncoder(AlbertConfig cfg, Backend backend, Batch data, KernelProfile kernels) {
        try (AlbertModel model = AlbertModel.create(cfg, backend, seed);
             StepArena arena = new StepArena(backend, 64L << 20)) {
            model.eval();
            long parameters = model.namedParameters().values().stream().mapToLong(Tensor::byteSize).sum();
            return timeInference(backend, arena, kernels, parameters,
                    () -> model.forward(data.inputs(false), 0L).poolerOutput());
        }
    }

    private Timing runInfer(AlbertConfig cfg, Backend backend, Batch data, KernelProfile kernels) {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(cfg, backend, seed);
             StepArena arena = new StepArena(backend, 64L << 20)) {
            model.eval();
            return timeInference(backend, arena, kernels, parameterBytes(model),
                    () -> model.forward(data.inputs(false), 0L).predictionLogits());
        }
    }

    /**
     * Warm-up, then timed inference steps of {@code forward}, each in its own no-grad Step on {@code arena}. The
     * steps share packed weights as a model's inference calls do (and as ONNX Runtime prepacks its constant
     * weights once per session): the warm-up packs them.
     */
    private Timing timeInference(Backend backend, StepArena arena, KernelProfile kernels, long parameterBytes,
                                 Runnable forward) {
        long total = 0;
        long packedBytes;
        try (PackedWeightCache packedWeights = new PackedWeightCache(backend)) {
            for (int i = 0; i < warmup + steps; i++) {
                if (i == warmup) {
                    startTimedSteps(kernels);
                }
                long start = System.nanoTime();
                try (NoGrad noGrad = NoGrad.enter(); Step step = Step.inference(backend, arena, packedWeights)) {
                    forward.run();
                    backend.synchronize();
                }
                if (i >= warmup) {
                    total += System.nanoTime() - start;
                }
            }
            packedBytes = packedWeights.bytes();
        }
        return new Timing(total / 1e6 / steps, parameterBytes + packedBytes + arena.highWaterBytes());
    }

    private Timing runTrain(AlbertConfig cfg, Backend backend, Batch data, KernelProfile kernels) {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(cfg, backend, seed);
             StepArena arena = new StepArena(backend, 64L << 20)) {
            model.train();
            model.enableGradients();
            try (Lamb lamb = new Lamb(model.namedParameters(), OptimizerConfig.defaults(), backend)) {
                long total = 0;
                boolean maskedOnly = mlmPositions.equals("masked");
                for (int i = 0; i < warmup + steps; i++) {
                    if (i == warmup) {
                        startTimedSteps(kernels);
                    }
                    long start = System.nanoTime();
                    try (Step step = Step.training(backend, arena)) {
                        AlbertForPreTrainingOutput out = maskedOnly
                                ? model.forwardAtMaskedPositions(data.inputs(true), seed + i)
                                : model.forward(data.inputs(true), seed + i);
                        step.backward(out.loss());
                    }
                    lamb.step(1e-4f);
                    model.zeroGradients();
                    backend.synchronize();
                    if (i >= warmup) {
                        total += System.nanoTime() - start;
                    }
                }
                // parameters + gradients + two moments, all F32 and the same size
                return new Timing(total / 1e6 / steps, 4 * parameterBytes(model) + arena.highWaterBytes());
            }
        }
    }

    private static long parameterBytes(AlbertForPreTraining model) {
        return model.namedParameters().values().stream().mapToLong(Tensor::byteSize).sum();
    }

    /**
     * One random batch as host arrays: copied into each step's arena, as a data loader's batch would be. The MLM
     * targets are both dense {@code labels} (for {@code --mlm-positions all}) and GR's masked positions with their
     * targets (for {@code masked}).
     */
    private record Batch(int batch, int seq, int[] ids, int[] mask, int[] types, int[] labels, int[] sentenceOrder,
                         int[] maskedPositions, int[] maskedLabels) {
        static Batch random(AlbertConfig cfg, int batch, int seq, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int n = batch * seq;
            int[] ids = new int[n], mask = new int[n], types = new int[n], labels = new int[n];
            for (int i = 0; i < n; i++) {
                int s = i % seq;
                ids[i] = s == 0 ? cfg.bosTokenId() : random.nextInt(5, cfg.vocabSize());
                mask[i] = 1;
                types[i] = s < seq / 2 ? 0 : 1;
                // 15% MLM targets, as in pretraining
                labels[i] = s > 0 && random.nextDouble() < 0.15 ? ids[i] : AlbertInputs.IGNORE_INDEX;
            }
            int[] sentenceOrder = new int[batch];
            for (int b = 0; b < batch; b++) sentenceOrder[b] = random.nextInt(2);
            int[] maskedPositions = IntStream.range(0, n).filter(i -> labels[i] != AlbertInputs.IGNORE_INDEX).toArray();
            int[] maskedLabels = IntStream.of(maskedPositions).map(i -> labels[i]).toArray();
            return new Batch(batch, seq, ids, mask, types, labels, sentenceOrder, maskedPositions, maskedLabels);
        }

        AlbertInputs inputs(boolean withLabels) {
            AlbertInputs in = AlbertInputs.copyOf(batch, seq, ids, mask, types);
            if (!withLabels) {
                return in;
            }
            return in.withLabels(copy(labels, batch, seq), copy(sentenceOrder, batch))
                    .withMaskedPositions(maskedPositions, maskedLabels);
        }

        private static Tensor copy(int[] values, int... shape) {
            return Step.current().upload(values, shape);
        }
    }
}
