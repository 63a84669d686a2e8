package io.albert4j.cli;

import io.albert4j.tasks.ClassificationPredictions;
import io.albert4j.tasks.ClassificationSpec;
import io.albert4j.tasks.FinetunedModels;
import io.albert4j.tasks.MultipleChoiceTask;
import io.albert4j.tasks.PredictionFiles;
import io.albert4j.tasks.QuestionAnswerer;
import io.albert4j.tasks.SquadExample;
import io.albert4j.tasks.SquadPredictions;
import io.albert4j.tasks.SquadReader;
import io.albert4j.tasks.SquadSpec;
import io.albert4j.tasks.Tasks;
import io.albert4j.tasks.TextClassifier;
import io.albert4j.tasks.TextColumns;
import io.albert4j.tasks.TextExample;
import io.albert4j.tasks.TokenClassificationTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code albert predict}: batch prediction with a fine-tuned model, from a file to a file with scores. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict with a fine-tuned model (a run directory or its model/).",
                "Text classification: CSV/TSV/JSONL in, JSON lines (.jsonl) or CSV (.csv) out with a score per class.",
                "SQuAD: a SQuAD JSON in, predictions.json format out, with OUT.nbest.json (and OUT.null_odds.json).",
                "RACE: a RACE folder or file in, JSON lines out (answer letter, option scores). Tokens: CoNLL in and out."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR") Path modelDir;
    @Option(names = "--input", required = true, paramLabel = "FILE") Path input;
    @Option(names = "--output", required = true, paramLabel = "FILE", description = ".jsonl or .csv") Path output;
    @Option(names = "--text-fields", split = ",", description = "default: the columns the model was trained on "
            + "(GLUE models: the released test.tsv's)") List<String> textFields;
    @Option(names = "--pair-fields", split = ",") List<String> pairFields;
    @Option(names = "--threads", defaultValue = "0") int threads;

    @Override
    public Integer call() throws Exception {
        BackendSetup.open(io.albert4j.tensor.Device.CPU, threads, false, false);
        Path dir = FinetunedModels.modelDirectory(modelDir);
        String kind = FinetunedModels.kind(dir);
        switch (kind) {
            case ClassificationSpec.KIND -> {
                try (TextClassifier classifier = TextClassifier.load(dir)) {
                    TextColumns override = textFields == null ? null
                            : TextColumns.of(textFields, pairFields, "label");
                    List<TextExample> examples = Tasks.classificationInputs(classifier.spec(), input, override);
                    List<TextClassifier.Prediction> predictions = classifier.predictExamples(examples);
                    ClassificationPredictions.write(output, examples, predictions, classifier.spec());
                    System.out.printf("%d predictions: %s%n", predictions.size(), output);
                }
            }
            case SquadSpec.KIND -> {
                try (QuestionAnswerer answerer = QuestionAnswerer.load(dir)) {
                    List<SquadExample> questions = SquadReader.read(input, false).examples();
                    SquadPredictions predictions = SquadPredictions.of(answerer, questions);
                    String stem = output.getFileName().toString().replaceFirst("\\.json$", "");
                    Path nBest = output.resolveSibling(stem + ".nbest.json");
                    Path nullOdds = answerer.spec().versionTwo() ? output.resolveSibling(stem + ".null_odds.json")
                            : null;
                    predictions.write(output, nBest, nullOdds);
                    System.out.printf("%d answers: %s (n-best: %s%s)%n", questions.size(), output, nBest,
                            nullOdds == null ? "" : ", null odds: " + nullOdds);
                }
            }
            case MultipleChoiceTask.KIND -> System.out.printf("%d questions answered: %s%n",
                    PredictionFiles.multipleChoice(dir, input, output), output);
            case TokenClassificationTask.KIND -> System.out.printf("%d sentences tagged: %s%n",
                    PredictionFiles.tokens(dir, input, output), output);
            default -> throw new IllegalArgumentException(dir + ": predicting for a '" + kind
                    + "' model is not available");
        }
        return 0;
    }
}
