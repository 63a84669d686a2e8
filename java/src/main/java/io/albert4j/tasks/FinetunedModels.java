package io.albert4j.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.albert.AlbertConfig;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.HfTokenizerConfig;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.train.Finetuner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finding and reading a fine-tuned model: a fine-tuning run directory ({@code RUN/model/} is its best checkpoint)
 * or the model directory itself, whose config.json says what it was fine-tuned for ({@code albert4j_task}).
 */
public final class FinetunedModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FinetunedModels() {
    }

    /** {@code dir/model} when {@code dir} is a fine-tuning run, else {@code dir}. */
    public static Path modelDirectory(Path dir) {
        Path inner = dir.resolve(Finetuner.MODEL_DIR);
        if (!Files.isRegularFile(dir.resolve(HfModelDirectory.CONFIG_FILE))
                && Files.isRegularFile(inner.resolve(HfModelDirectory.CONFIG_FILE))) {
            return inner;
        }
        if (!Files.isRegularFile(dir.resolve(HfModelDirectory.CONFIG_FILE))) {
            throw new TaskDataException(dir + ": not a fine-tuned model (no config.json here or in "
                    + Finetuner.MODEL_DIR + "/)");
        }
        return dir;
    }

    /** The task settings saved with the model, or an error saying it was not fine-tuned by albert4j. */
    public static JsonNode taskSettings(Path modelDir) {
        Path config = modelDir.resolve(HfModelDirectory.CONFIG_FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(config));
        } catch (IOException e) {
            throw new UncheckedIOException(config + ": " + e.getMessage(), e);
        }
        JsonNode task = root.get(ClassificationSpec.CONFIG_KEY);
        if (task == null || !task.isObject()) {
            throw new TaskDataException(config + ": no '" + ClassificationSpec.CONFIG_KEY + "' entry: not a model "
                    + "fine-tuned by albert finetune (pretrained models are evaluated with albert eval --corpus)");
        }
        return task;
    }

    /** The kind of task ({@code classification}, {@code squad}, {@code multiple_choice}, {@code tokens}). */
    public static String kind(Path modelDir) {
        return taskSettings(modelDir).path("kind").asText();
    }

    public static AlbertTokenizer tokenizer(Path modelDir) {
        Path spiece = modelDir.resolve(HfModelDirectory.TOKENIZER_FILE);
        AlbertTokenizer tokenizer;
        try {
            tokenizer = AlbertTokenizer.load(spiece, HfTokenizerConfig.readOrDefault(modelDir));
        } catch (IOException e) {
            throw new UncheckedIOException(spiece + ": " + e.getMessage(), e);
        }
        AlbertConfig.read(modelDir.resolve(HfModelDirectory.CONFIG_FILE)).requireTokenizerFits(tokenizer.vocabSize(), spiece);
        return tokenizer;
    }

    /** config.json text of {@code config} with the task settings (and HF's {@code finetuning_task}) added. */
    static String configWithTask(AlbertConfig config, String architecture, String taskName, ObjectNode settings) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(config.toJson());
            root.putArray("architectures").add(architecture);
            root.put("finetuning_task", taskName);
            root.set(ClassificationSpec.CONFIG_KEY, settings);
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
