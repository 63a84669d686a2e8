package io.albert4j.cli;

import io.albert4j.albert.TensorFlowConversion;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code albert convert --from-tf}: a google-research/albert TensorFlow checkpoint as an HF model folder. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Convert a google-research/albert TensorFlow checkpoint (model.ckpt-N) into a HuggingFace "
                + "model folder (config.json, model.safetensors, spiece.model and HF's tokenizer files).")
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--from-tf", required = true, paramLabel = "PREFIX|DIR",
            description = "checkpoint prefix (model.ckpt-N, or its .index file), or a folder holding one (an "
                    + "unpacked GR tarball, a TF-Hub module)")
    Path checkpoint;
    @Option(names = "--config", paramLabel = "albert_config.json",
            description = "GR's model config (default: albert_config.json beside the checkpoint); its \"gelu\" is "
                    + "the tanh approximation, written as HF's gelu_new")
    Path config;
    @Option(names = "--tokenizer", paramLabel = "30k-clean.model",
            description = "SentencePiece model to include (default: 30k-clean.model beside the checkpoint, if any)")
    Path tokenizer;
    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "model folder to write; an earlier model there is replaced, other files are refused")
    Path out;
    @Option(names = "--overwrite", description = "write into --out although it holds other files (they are kept)")
    boolean overwrite;

    @Override
    public Integer call() {
        TensorFlowConversion.Result result = TensorFlowConversion.convert(checkpoint, config, tokenizer, out, overwrite);
        System.out.printf("converted %d tensors of %s into %s (%,d parameters)%n", result.report().sources().size(),
                checkpoint, result.out(), io.albert4j.albert.AlbertForPreTraining.shapesOnly(result.config())
                        .parameterCount());
        if (!result.skipped().isEmpty()) {
            System.out.printf("skipped %d optimizer and bookkeeping variables (e.g. %s)%n", result.skipped().size(),
                    result.skipped().get(0));
        }
        if (!result.synthesized().isEmpty()) {
            System.out.println("identity projection (GR has none when embedding_size = hidden_size): "
                    + result.synthesized());
        }
        if (!result.report().initialized().isEmpty()) {
            System.out.println("newly initialized (not in the checkpoint): " + result.report().initialized());
        }
        if (!result.report().unexpected().isEmpty()) {
            System.out.println("not used: " + result.report().unexpected());
        }
        return 0;
    }
}
