package io.albert4j.cli;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.FillMask;
import io.albert4j.tokenizer.AlbertTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code albert fill-mask}: the most probable pieces for each {@code [MASK]} in a sentence. */
@Command(name = "fill-mask", mixinStandardHelpOptions = true,
        description = "Predict the tokens behind [MASK] in each TEXT with a pretrained model.")
final class FillMaskCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "model directory (config.json, model.safetensors, spiece.model)")
    Path modelDir;

    @Option(names = "--tokenizer", paramLabel = "spiece.model", description = "default: DIR/spiece.model")
    Path tokenizer;

    @Option(names = "--top-k", defaultValue = "5") int topK;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "text with one or more [MASK]")
    List<String> texts;

    @Override
    public Integer call() throws Exception {
        AlbertTokenizer tok = ModelTokenizer.load(modelDir, tokenizer);
        try (AlbertForPreTraining model = AlbertForPreTraining.load(modelDir)) {
            for (String text : texts) {
                print(text, FillMask.predict(model, tok, text, topK));
            }
        }
        return 0;
    }

    static void print(String text, List<List<FillMask.Candidate>> masks) {
        System.out.println(text);
        for (int m = 0; m < masks.size(); m++) {
            if (masks.size() > 1) {
                System.out.println("  [MASK] #" + (m + 1));
            }
            for (FillMask.Candidate c : masks.get(m)) {
                System.out.printf("  %-16s %6.3f   %s%n", c.piece(), c.probability(), c.filled());
            }
        }
    }
}
