package io.albert4j.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.albert4j.albert.AlbertForMultipleChoice;
import io.albert4j.albert.AlbertForTokenClassification;
import io.albert4j.metrics.EntityMetrics;
import io.albert4j.train.FinetuningEvaluation;
import io.albert4j.train.FinetuningTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * Builds the {@link FinetuningTask} a preset names from its files: what {@code albert finetune --task NAME} does
 * before it hands the task to the {@link io.albert4j.train.Finetuner}.
 */
public final class Tasks {
    private Tasks() {
    }

    public static FinetuningTask forTraining(TaskPreset preset, TaskFiles files, TaskSettings settings,
                                             Path pretrainedDir, long seed) {
        return switch (preset.kind()) {
            case CLASSIFICATION -> classification(preset, files, settings, pretrainedDir, seed);
            case SQUAD_V1, SQUAD_V2 -> {
                SquadSpec spec = new SquadSpec(preset.kind() == TaskPreset.Kind.SQUAD_V2, settings.maxSeqLength(),
                        settings.docStride(), settings.maxQueryLength(), settings.nBest(), settings.maxAnswerLength(),
                        0.0, settings.answerClassHead());
                SquadReader.Contents train = SquadReader.read(files.train());
                if (train.mismatchedAnswers() > 0) {
                    System.err.println(files.train() + ": " + train.mismatchedAnswers() + " answer(s) not found at "
                            + "their answer_start; not trained on, as GR and HF skip them");
                }
                if (train.hasImpossible() && !spec.versionTwo()) {
                    throw new TaskDataException(files.train() + " has is_impossible questions: use --task squad-v2.0");
                }
                List<SquadExample> dev = new ArrayList<>();
                for (Path d : files.dev()) {
                    dev.addAll(SquadReader.read(d).examples());
                }
                yield SquadTask.forTraining(spec, pretrainedDir, capped(train.examples(), settings.maxExamples(), seed),
                        dev, seed);
            }
            case MULTIPLE_CHOICE -> {
                List<RaceExample> dev = new ArrayList<>();
                files.dev().forEach(d -> dev.addAll(RaceReader.read(d)));
                yield MultipleChoiceTask.forTraining(pretrainedDir, settings.maxSeqLength(), settings.maxQaLength(),
                        capped(RaceReader.read(files.train()), settings.maxExamples(), seed), dev, seed);
            }
            case TOKENS -> {
                List<TaggedSentence> dev = new ArrayList<>();
                files.dev().forEach(d -> dev.addAll(ConllReader.read(d, true)));
                yield TokenClassificationTask.forTraining(pretrainedDir, settings.maxSeqLength(),
                        capped(ConllReader.read(files.train(), true), settings.maxExamples(), seed), dev, seed);
            }
        };
    }

    private static ClassificationTask classification(TaskPreset preset, TaskFiles files, TaskSettings settings,
                                                     Path pretrainedDir, long seed) {
        ClassificationSpec spec;
        List<TextExample> train;
        List<EvalSet<TextExample>> dev = new ArrayList<>();
        if (preset.glue() != null) {
            ClassificationSpec glue = ClassificationSpec.glue(preset.glue(), settings.maxSeqLength());
            spec = new ClassificationSpec(glue.task(), glue.problemType(), glue.labels(), glue.maxSeqLength(), null,
                    glue.metrics(), settings.windowStride(), settings.maxWindows(), settings.pooledWindows());
            train = GlueReader.read(preset.glue(), files.train());
            for (Path d : files.dev()) {
                dev.add(new EvalSet<>(setName(d), GlueReader.read(preset.glue(), d)));
            }
        } else {
            TextColumns columns = settings.columns() == null
                    ? TextColumns.of(List.of("text"), List.of(), "label") : settings.columns();
            train = TextFileReader.read(files.train(), columns, true);
            String problem = settings.problemType() == null ? ClassificationSpec.SINGLE_LABEL : settings.problemType();
            List<String> labels = labelsOf(train, problem, columns);
            List<String> metrics = settings.metrics() == null || settings.metrics().isEmpty()
                    ? ClassificationSpec.defaultMetrics(problem, labels.size()) : settings.metrics();
            spec = new ClassificationSpec("text", problem, labels, settings.maxSeqLength(), columns, metrics,
                    settings.windowStride(), settings.maxWindows(), settings.pooledWindows());
            for (Path d : files.dev()) {
                dev.add(new EvalSet<>(setName(d), TextFileReader.read(d, columns, true)));
            }
        }
        return ClassificationTask.forTraining(spec, pretrainedDir, capped(train, settings.maxExamples(), seed), dev,
                seed);
    }

    /** Labelled held-out sets for a classifier with {@code spec}: GLUE files read as GLUE, others by its columns. */
    public static List<EvalSet<TextExample>> classificationSets(ClassificationSpec spec, List<Path> files) {
        GlueTask glue = GlueTask.named(spec.task());
        List<EvalSet<TextExample>> sets = new ArrayList<>();
        for (Path f : files) {
            sets.add(new EvalSet<>(setName(f), glue != null ? GlueReader.read(glue, f)
                    : TextFileReader.read(f, columnsOf(spec), true)));
        }
        return sets;
    }

    /** Unlabelled (or labelled) examples to predict: a GLUE model reads the released test.tsv's header columns. */
    public static List<TextExample> classificationInputs(ClassificationSpec spec, Path file, TextColumns override) {
        if (override != null) {
            return TextFileReader.read(file, override, false);
        }
        GlueTask glue = GlueTask.named(spec.task());
        return TextFileReader.read(file, glue != null ? glue.testColumns() : columnsOf(spec), false);
    }

    private static TextColumns columnsOf(ClassificationSpec spec) {
        return spec.columns() != null ? spec.columns() : TextColumns.of(List.of("text"), List.of(), "label");
    }

    /**
     * Scores a fine-tuned model (run or model directory) on labelled files with its task's metrics, as the
     * fine-tuning run scored its dev set.
     */
    public static FinetuningEvaluation evaluate(Path dir, List<Path> files) {
        Path modelDir = FinetunedModels.modelDirectory(dir);
        String kind = FinetunedModels.kind(modelDir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no files to evaluate on");
        }
        return switch (kind) {
            case ClassificationSpec.KIND -> {
                try (TextClassifier classifier = TextClassifier.load(modelDir)) {
                    yield ClassificationTask.evaluate(classifier, classificationSets(classifier.spec(), files));
                }
            }
            case SquadSpec.KIND -> {
                try (QuestionAnswerer answerer = QuestionAnswerer.load(modelDir)) {
                    List<SquadExample> gold = new ArrayList<>();
                    files.forEach(f -> gold.addAll(SquadReader.read(f).examples()));
                    Map<String, Double> metrics = SquadPredictions.of(answerer, gold).score(gold);
                    yield new FinetuningEvaluation(metrics, "f1", null);
                }
            }
            case MultipleChoiceTask.KIND -> {
                JsonNode settings = FinetunedModels.taskSettings(modelDir);
                List<RaceExample> gold = new ArrayList<>();
                files.forEach(f -> gold.addAll(RaceReader.read(f)));
                try (AlbertForMultipleChoice model = AlbertForMultipleChoice.load(modelDir)) {
                    yield MultipleChoiceTask.evaluate(model, MultipleChoiceTask.encode(gold,
                            FinetunedModels.tokenizer(modelDir), settings.path("max_seq_length").asInt(512),
                            settings.path("max_qa_length").asInt(128)));
                }
            }
            case TokenClassificationTask.KIND -> {
                JsonNode settings = FinetunedModels.taskSettings(modelDir);
                List<String> tags = ClassificationSpec.strings(settings.get("labels"));
                List<TaggedSentence> gold = new ArrayList<>();
                files.forEach(f -> gold.addAll(ConllReader.read(f, true)));
                try (AlbertForTokenClassification model = AlbertForTokenClassification.load(modelDir)) {
                    List<List<String>> predicted = TokenClassificationTask.predict(model, tags,
                            TokenClassificationTask.encode(gold, FinetunedModels.tokenizer(modelDir), tags,
                                    settings.path("max_seq_length").asInt(128)));
                    EntityMetrics.Scores s = EntityMetrics.score(predicted,
                            gold.stream().map(TaggedSentence::tags).toList());
                    yield new FinetuningEvaluation(Map.of("f1", s.f1(), "precision", s.precision(), "recall",
                            s.recall()), "f1", null);
                }
            }
            default -> throw new UnsupportedOperationException("evaluating a '" + kind + "' model is not available");
        };
    }

    /** The classes of a generic file: the distinct labels of the training examples, sorted. */
    public static List<String> labelsOf(List<TextExample> train, String problemType, TextColumns columns) {
        if (problemType.equals(ClassificationSpec.REGRESSION)) {
            return List.of();
        }
        TreeSet<String> labels = new TreeSet<>();
        for (TextExample e : train) {
            labels.addAll(problemType.equals(ClassificationSpec.MULTI_LABEL)
                    ? TextFileReader.splitLabels(e.labels(), columns.labelSeparator()) : e.labels());
        }
        return new ArrayList<>(labels);
    }

    /** At most {@code max} examples (0: all), a seeded random choice. */
    static <E> List<E> capped(List<E> examples, int max, long seed) {
        if (max <= 0 || examples.size() <= max) {
            return examples;
        }
        List<E> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(seed));
        return new ArrayList<>(shuffled.subList(0, max));
    }

    /** {@code dev_mismatched.tsv} → {@code mismatched}, {@code dev.jsonl} → {@code dev}. */
    static String setName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return stem.startsWith("dev_") ? stem.substring(4) : stem;
    }
}
