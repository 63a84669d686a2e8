package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.CheckpointReader;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the four fine-tuning heads share beyond {@link AlbertPreTrainedModel}'s factories: loading a fine-tuned
 * directory (with a hint when the head is missing), starting from a pretrained base, and label checks that fail in
 * Java, naming the head, before any kernel runs.
 */
final class FineTuningHeads {
    private static final System.Logger LOG = System.getLogger(FineTuningHeads.class.getName());

    private FineTuningHeads() {
    }

    /** A fine-tuned directory of this head: every parameter, head included, must be in the file. */
    static <M extends AlbertPreTrainedModel> M load(Path dir, Backend backend, Function<AlbertConfig, M> factory,
                                                     String head) {
        try {
            return AlbertPreTrainedModel.loadModel(factory, dir, backend, false);
        } catch (CheckpointException e) {
            if (e.getMessage() != null && e.getMessage().contains("missing")) {
                throw new IllegalArgumentException(head + ".load(" + dir + "): " + e.getMessage()
                        + "; to start fine-tuning from a base or pretraining checkpoint use " + head
                        + ".fromPretrained", e);
            }
            throw e;
        }
    }

    /**
     * HF {@code from_pretrained} on a checkpoint without this head: the config from {@code dir} (then
     * {@code configure}, e.g. to set num_labels), every parameter initialised from {@code seed}, then the
     * encoder's ({@code albert.*}, with or without the prefix) overwritten from the file; other tensors (MLM/SOP
     * heads, a pooler the head does not use) are ignored.
     */
    static <M extends AlbertPreTrainedModel> M fromPretrained(Path dir, Backend backend,
                                                               UnaryOperator<AlbertConfig> configure, long seed,
                                                               Function<AlbertConfig, M> factory) {
        AlbertConfig config = configure.apply(AlbertConfig.read(dir.resolve(HfModelDirectory.CONFIG_FILE)));
        M model = AlbertPreTrainedModel.createModel(factory, config, backend, seed);
        try (CheckpointReader reader = HfModelDirectory.openWeights(dir)) {
            Map<String, Tensor> encoder = new LinkedHashMap<>();
            List<String> head = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                if (e.getKey().startsWith("albert.")) {
                    encoder.put(e.getKey(), e.getValue());
                } else {
                    head.add(e.getKey());
                }
            }
            // A checkpoint without a pooler (AlbertForMaskedLM's) keeps the freshly initialised one, as in HF.
            HfModelDirectory.LoadReport read = HfModelDirectory.loadWeights(reader, encoder,
                    AlbertPreTrainedModel::isHeadParameter, true);
            List<String> initialized = new ArrayList<>(read.initialized());
            initialized.addAll(head);
            HfModelDirectory.LoadReport report = new HfModelDirectory.LoadReport(read.sources(), read.ignored(),
                    read.unexpected(), initialized);
            model.setLoadReport(report);
            // The head is new by design here, so only the first line (newly initialized) is worth a warning.
            LOG.log(System.Logger.Level.WARNING, report.warnings(model.getClass().getSimpleName(), dir).get(0));
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Labels must be given with this dtype and shape, on the model's device. */
    static void requireLabels(String head, String name, Tensor labels, DType dtype, Backend backend, String because,
                              int... shape) {
        if (labels.dtype() != dtype) {
            throw new IllegalArgumentException(head + ": '" + name + "' must be " + dtype + ", got "
                    + labels.describe() + " (" + because + ")");
        }
        if (!Arrays.equals(labels.shape(), shape)) {
            throw new IllegalArgumentException(head + ": '" + name + "' " + labels.describe() + " must have shape "
                    + Arrays.toString(shape) + " (" + because + ")");
        }
        if (!labels.device().equals(backend.device())) {
            throw new IllegalArgumentException(head + ": '" + name + "' " + labels.describe()
                    + " is not on the model's device " + backend.device());
        }
    }

    /** Every value is a class in [0, classes) or {@link AlbertInputs#IGNORE_INDEX}. */
    static void requireClasses(String head, String name, int[] values, int classes, String what) {
        for (int i = 0; i < values.length; i++) {
            int v = values[i];
            if ((v < 0 || v >= classes) && v != AlbertInputs.IGNORE_INDEX) {
                throw new IndexOutOfBoundsException(head + ": '" + name + "'[" + i + "] = " + v + " is outside [0, "
                        + classes + ") = " + what + " (use " + AlbertInputs.IGNORE_INDEX + " to skip a row)");
            }
        }
    }

    /** An I32 tensor of the current step holding {@code values}. */
    static Tensor stepInts(int[] values, int... shape) {
        return Step.current().upload(values, shape);
    }
}
