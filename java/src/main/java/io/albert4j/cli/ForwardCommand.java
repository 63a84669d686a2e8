package io.albert4j.cli;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.backend.Backend;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.io.SafetensorsWriter;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code albert forward}: one forward (and optionally backward) pass of an AlbertForPreTraining model on a batch
 * from a safetensors file, every output written to another — the tool for comparing against other
 * implementations. Dropout is off.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run AlbertForPreTraining on a batch (safetensors in, safetensors out).")
final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HuggingFace model directory")
    Path modelDir;

    @Option(names = "--inputs", required = true, paramLabel = "FILE",
            description = "input_ids, attention_mask, token_type_ids [B,S] (I32 or I64); optional labels [B,S] "
                    + "(-100 = ignore) and sentence_order_label [B]")
    Path inputsFile;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "last_hidden_state, pooler_output, prediction_logits, sop_logits, loss (with labels)")
    Path outFile;

    @Option(names = "--grads", description = "also write grad.<HF name> of every parameter (needs labels)")
    boolean grads;

    @Override
    public Integer call() throws Exception {
        try (AlbertForPreTraining model = AlbertForPreTraining.load(modelDir);
             SafetensorsReader inputs = SafetensorsReader.open(inputsFile)) {
            Backend backend = model.backend();
            AlbertInputs batch = new AlbertInputs(inputs.readI32("input_ids"), optional(inputs, "attention_mask"),
                    optional(inputs, "token_type_ids"), optional(inputs, "labels"),
                    optional(inputs, "sentence_order_label"));
            if (grads && batch.labels() == null && batch.sentenceOrderLabel() == null) {
                throw new IllegalArgumentException(inputsFile + ": --grads needs 'labels' and/or "
                        + "'sentence_order_label' to define a loss");
            }
            if (grads) {
                model.enableGradients();
            }
            try (StepArena arena = new StepArena(backend, 64L << 20);
                 Step step = grads ? Step.training(backend, arena) : Step.inference(backend, arena)) {
                AlbertForPreTrainingOutput out = model.forward(batch, 0L);
                Map<String, Tensor> results = new LinkedHashMap<>();
                results.put("last_hidden_state", out.lastHiddenState());
                results.put("pooler_output", out.poolerOutput());
                results.put("prediction_logits", out.predictionLogits());
                results.put("sop_logits", out.sopLogits());
                if (out.loss() != null) {
                    results.put("loss", out.loss());
                }
                if (grads) {
                    step.backward(out.loss());
                    model.gradients().forEach((name, grad) -> results.put("grad." + name, grad));
                }
                SafetensorsWriter.write(outFile, results, Map.of("format", "pt"));
                System.out.println("wrote " + results.size() + " tensors to " + outFile
                        + (out.loss() == null ? "" : String.format(" (loss %.6f)", out.loss().getFloat(0))));
            }
        }
        return 0;
    }

    private static Tensor optional(SafetensorsReader reader, String name) {
        return reader.contains(name) ? reader.readI32(name) : null;
    }
}
