package io.albert4j.cli;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.data.CorpusFormat;
import io.albert4j.data.DocumentSource;
import io.albert4j.data.PretrainingConfig;
import io.albert4j.tasks.Tasks;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.train.FinetuningEvaluation;
import io.albert4j.train.HeldOutEvaluation;
import io.albert4j.train.PretrainingMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code albert eval}: MLM / SOP accuracy, loss and perplexity of a model on a corpus, masked as in pretraining. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a pretrained model's MLM and SOP objectives on a corpus (--corpus), or a fine-tuned "
                + "model on labelled files with its task's official metrics (--data)."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR") Path modelDir;
    @Option(names = "--tokenizer", paramLabel = "spiece.model", description = "default: DIR/spiece.model")
    Path tokenizer;
    @Option(names = "--corpus", split = ",", paramLabel = "PATH", description = "pretrained model: held-out text")
    List<Path> corpus;
    @Option(names = "--data", split = ",", paramLabel = "FILE", description = "fine-tuned model: labelled files "
            + "(GLUE TSV, CSV/TSV/JSONL, SQuAD JSON, RACE folder, CoNLL)") List<Path> data;
    @Option(names = "--corpus-format", defaultValue = "SENTENCE_PER_LINE",
            description = "SENTENCE_PER_LINE or PROSE") CorpusFormat corpusFormat;
    @Option(names = {"--max-seq-length", "--seq"}, defaultValue = "128") int maxSeqLength;
    @Option(names = "--batch", defaultValue = "16") int batch;
    @Option(names = "--max-batches", defaultValue = "50") int maxBatches;
    @Option(names = "--seed", defaultValue = "" + HeldOutEvaluation.DEFAULT_SEED,
            description = "masking seed (default: that of a pretraining run's held-out set)") long seed;

    @Override
    public Integer call() throws Exception {
        if (data != null) {
            FinetuningEvaluation evaluation = Tasks.evaluate(modelDir, data);
            System.out.println(FinetuneCommand.describe(evaluation));
            return 0;
        }
        if (corpus == null) {
            throw new IllegalArgumentException("give --corpus (a pretrained model) or --data (a fine-tuned one)");
        }
        AlbertTokenizer tok = ModelTokenizer.load(modelDir, tokenizer);
        HeldOutEvaluation evaluation = HeldOutEvaluation.collect(DocumentSource.text(corpus, corpusFormat, tok),
                PretrainingConfig.defaults(maxSeqLength, batch).withSeed(seed), maxBatches);
        try (AlbertForPreTraining model = AlbertForPreTraining.load(modelDir)) {
            report(evaluation.evaluate(model), evaluation, model.config().vocabSize());
        }
        return 0;
    }

    static void report(PretrainingMetrics m, HeldOutEvaluation evaluation, int vocabSize) {
        System.out.printf("sequences            %d (%d masked tokens)%n",
                evaluation.batches().stream().mapToInt(b -> b.batchSize()).sum(), m.maskedTokens());
        System.out.printf("loss                 %.4f (MLM %.4f + SOP %.4f)%n", m.loss(), m.mlmLoss(), m.sopLoss());
        System.out.printf("MLM accuracy         %.4f   (copy-or-unigram baseline %.4f)%n", m.mlmAccuracy(),
                evaluation.copyOrUnigramBaseline());
        System.out.printf("  at [MASK] inputs   %.4f   (unigram baseline %.4f)%n", m.maskedInputAccuracy(),
                evaluation.unigramBaselineAtMask());
        System.out.printf("SOP accuracy         %.4f   (majority baseline %.4f)%n", m.sopAccuracy(),
                evaluation.sopMajorityBaseline());
        System.out.printf("MLM perplexity       %.2f%n", m.perplexity());
        System.out.printf("  at [MASK] inputs   %.2f   (unigram model of the text %.2f)%n",
                m.maskedInputPerplexity(), evaluation.unigramPerplexityAtMask(vocabSize));
    }
}
