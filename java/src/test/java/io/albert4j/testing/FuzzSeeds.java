package io.albert4j.testing;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.data.ShardWriter;
import io.albert4j.data.VocabularyInfo;
import io.albert4j.io.SafetensorsWriter;
import io.albert4j.io.tf.TensorBundleWriter;
import io.albert4j.io.tf.proto.BundleEntryProto;
import io.albert4j.io.tf.proto.BundleHeaderProto;
import io.albert4j.io.tf.proto.VersionDef;
import io.albert4j.tensor.Tensor;
import io.albert4j.tokenizer.SentencePieceModel;
import io.albert4j.tokenizer.UnigramTrainer;
import io.albert4j.tokenizer.UnigramTrainerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

/**
 * Writes the seed corpora of the fuzz targets ({@code *FuzzTest}) under {@code src/test/resources}, where Jazzer's
 * JUnit integration finds them ({@code <package>/<Class>Inputs/<method>/}): small valid files made by albert4j's
 * own writers, and a few broken ones. Run by {@code scripts/fuzz.sh --seeds}; the output is committed.
 */
public final class FuzzSeeds {
    private final Path resources;

    private FuzzSeeds(Path resources) {
        this.resources = resources;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds seeds = new FuzzSeeds(Path.of(args.length > 0 ? args[0] : "java/src/test/resources"));
        Path work = Files.createTempDirectory("albert4j-fuzz-seeds");
        seeds.safetensors(work);
        seeds.configs(work);
        seeds.tokenizerFiles();
        seeds.sentencePiece(work);
        seeds.shards(work);
        seeds.torch();
        seeds.tensorBundles(work);
        seeds.taskFiles();
    }

    private void seed(String testClass, String method, String name, byte[] bytes) throws IOException {
        String pkg = testClass.substring(0, testClass.lastIndexOf('.')).replace('.', '/');
        String simple = testClass.substring(testClass.lastIndexOf('.') + 1);
        Path dir = resources.resolve(pkg).resolve(simple + "Inputs").resolve(method);
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), bytes);
    }

    private void seed(String testClass, String method, String name, String text) throws IOException {
        seed(testClass, method, name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] truncated(byte[] bytes, int length) {
        return Arrays.copyOf(bytes, Math.min(length, bytes.length));
    }

    // ---- checkpoints ----------------------------------------------------------------------------------------

    private static Map<String, Tensor> smallTensors() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("albert.embeddings.word_embeddings.weight", Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        tensors.put("albert.pooler.bias", Tensor.ofFloats(new float[] {0.5f, -1}, 2));
        tensors.put("ids", Tensor.ofInts(new int[] {7, -1, 3}, 3));
        return tensors;
    }

    private void safetensors(Path work) throws IOException {
        String c = "io.albert4j.io.SafetensorsFuzzTest";
        Path file = work.resolve("model.safetensors");
        SafetensorsWriter.write(file, smallTensors(), Map.of("format", "pt"));
        byte[] valid = Files.readAllBytes(file);
        seed(c, "singleFile", "valid", valid);
        seed(c, "singleFile", "truncated", truncated(valid, valid.length - 5));
        seed(c, "singleFile", "empty-header", new byte[] {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        smallTensors().forEach((k, v) -> (first.size() < 2 ? first : second).put(k, v));
        SafetensorsWriter.write(work.resolve("a.safetensors"), first, Map.of());
        SafetensorsWriter.write(work.resolve("b.safetensors"), second, Map.of());
        StringBuilder index = new StringBuilder("{\"metadata\":{\"total_size\":44},\"weight_map\":{");
        String sep = "";
        for (String name : first.keySet()) {
            index.append(sep).append('"').append(name).append("\":\"model-00001-of-00002.safetensors\"");
            sep = ",";
        }
        for (String name : second.keySet()) {
            index.append(sep).append('"').append(name).append("\":\"model-00002-of-00002.safetensors\"");
        }
        index.append("}}");
        byte[] indexBytes = index.toString().getBytes(StandardCharsets.UTF_8);
        byte[] a = Files.readAllBytes(work.resolve("a.safetensors"));
        byte[] b = Files.readAllBytes(work.resolve("b.safetensors"));
        seed(c, "shardedIndex", "valid", FuzzFrames.join(indexBytes, a, b));
        seed(c, "shardedIndex", "shard-missing-tensor", FuzzFrames.join(indexBytes, b, a));
        seed(c, "shardedIndex", "escaping-shard-name", FuzzFrames.join(
                "{\"weight_map\":{\"x\":\"../model-00001-of-00002.safetensors\"}}".getBytes(StandardCharsets.UTF_8),
                a, b));
    }

    private void configs(Path work) throws IOException {
        String c = "io.albert4j.albert.AlbertConfigFuzzTest";
        AlbertConfig tiny = AlbertConfig.builder().vocabSize(50).embeddingSize(8).hiddenSize(16)
                .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(24).maxPositionEmbeddings(16).build();
        Path model = work.resolve("model");
        try (AlbertForPreTraining m = AlbertForPreTraining.create(tiny, 3)) {
            m.save(model, null);
        }
        byte[] config = Files.readAllBytes(model.resolve("config.json"));
        for (String method : List.of("configJson", "modelFolder")) {
            seed(c, method, "valid", config);
            seed(c, method, "hidden-size-lie", new String(config, StandardCharsets.UTF_8)
                    .replace("\"hidden_size\" : 16", "\"hidden_size\" : 1000000"));
            seed(c, method, "wide-integer", "{\"vocab_size\": 4294967346, \"num_hidden_layers\": 1e9}");
            seed(c, method, "not-an-object", "[1, 2]");
        }
        String gr = "{\"attention_probs_dropout_prob\": 0, \"hidden_act\": \"gelu\", \"hidden_dropout_prob\": 0,"
                + " \"embedding_size\": 8, \"hidden_size\": 16, \"initializer_range\": 0.02,"
                + " \"intermediate_size\": 24, \"max_position_embeddings\": 16, \"num_attention_heads\": 2,"
                + " \"num_hidden_layers\": 2, \"num_hidden_groups\": 1, \"inner_group_num\": 1,"
                + " \"type_vocab_size\": 2, \"vocab_size\": 50}";
        seed("io.albert4j.io.tf.TensorBundleFuzzTest", "googleResearchConfig", "valid", gr);
        seed("io.albert4j.io.tf.TensorBundleFuzzTest", "googleResearchConfig", "bad-type",
                gr.replace("\"vocab_size\": 50", "\"vocab_size\": \"many\""));
    }

    private void tokenizerFiles() throws IOException {
        String c = "io.albert4j.io.HfTokenizerConfigFuzzTest";
        byte[] config = ("{\"do_lower_case\": true, \"keep_accents\": false, \"remove_space\": true,"
                + " \"unk_token\": \"<unk>\", \"mask_token\": {\"content\": \"[MASK]\", \"lstrip\": true}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tokens = "{\"cls_token\": \"[CLS]\", \"sep_token\": {\"content\": \"[SEP]\"}, \"pad_token\": \"<pad>\"}"
                .getBytes(StandardCharsets.UTF_8);
        seed(c, "tokenizerFiles", "both", FuzzFrames.join(config, tokens));
        seed(c, "tokenizerFiles", "config-only", FuzzFrames.join(config, new byte[0]));
        seed(c, "tokenizerFiles", "wrong-types", FuzzFrames.join("{\"do_lower_case\": \"yes\"}".getBytes(
                StandardCharsets.UTF_8), "{\"cls_token\": 5}".getBytes(StandardCharsets.UTF_8)));
    }

    private void sentencePiece(Path work) throws IOException {
        List<String> text = List.of("the congress of the united states shall meet.", "we must reduce the public debt.",
                "our army and navy are ready to defend the nation.", "the president addressed the people today.",
                "café naïve ① ﬁrst 東京 123");
        SentencePieceModel model = UnigramTrainer.train(text, UnigramTrainerConfig.albert(60));
        String c = "io.albert4j.tokenizer.SentencePieceFuzzTest";
        seed(c, "model", "valid-nmt-nfkc", model.toByteArray());
        // The same pieces without the 240 kB character map: small inputs the fuzzer mutates fast.
        byte[] identity = new SentencePieceModel(model.pieces(), model.trainerSpec(),
                new SentencePieceModel.NormalizerSpec("identity", null, true, true, true)).toByteArray();
        seed(c, "model", "valid-identity", identity);
        seed(c, "model", "truncated", truncated(identity, identity.length / 2));
        seed(c, "model", "not-protobuf", "this is not a model\n");
    }

    private void shards(Path work) throws IOException {
        boolean[] starts = new boolean[20];
        Arrays.fill(starts, 0, 10, true);
        VocabularyInfo vocabulary = new VocabularyInfo(20, 2, 3, 4, starts);
        Path shard = work.resolve("corpus-00000.a4js");
        try (ShardWriter writer = new ShardWriter(shard, vocabulary)) {
            writer.write(new int[][] {{5, 6, 7}, {8, 19}});
            writer.write(new int[][] {{11}});
        }
        byte[] valid = Files.readAllBytes(shard);
        for (String method : List.of("shard", "shardWithTrueChecksum")) {
            seed("io.albert4j.data.ShardFuzzTest", method, "valid", valid);
            seed("io.albert4j.data.ShardFuzzTest", method, "truncated", truncated(valid, valid.length - 3));
        }
    }

    private void torch() throws IOException {
        String c = "io.albert4j.io.torch.TorchCheckpointFuzzTest";
        Path fixtures = Path.of("java/src/test/resources/fixtures/torch");
        for (String name : List.of("views.bin", "evil_global.bin")) {
            byte[] bytes = Files.readAllBytes(fixtures.resolve(name));
            seed(c, "file", name, bytes);
            try (ZipFile zip = new ZipFile(fixtures.resolve(name).toFile())) {
                var entry = zip.stream().filter(e -> e.getName().endsWith("/data.pkl")).findFirst().orElseThrow();
                try (InputStream in = zip.getInputStream(entry)) {
                    seed(c, "pickle", name.replace(".bin", ".pkl"), in.readAllBytes());
                }
            }
        }
        seed(c, "file", "legacy.bin", Files.readAllBytes(
                fixtures.resolve("albert_pretraining_bf16_legacy/pytorch_model.bin")));
    }

    private void tensorBundles(Path work) throws IOException {
        String c = "io.albert4j.io.tf.TensorBundleFuzzTest";
        Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("bert/embeddings/word_embeddings", TensorBundleWriter.Tensor.floats(new long[] {3, 2},
                1, 2, 3, 4, 5, 6));
        tensors.put("bert/embeddings/LayerNorm/gamma", TensorBundleWriter.Tensor.floats(new long[] {2}, 1, 1));
        tensors.put("global_step", new TensorBundleWriter.Tensor(io.albert4j.io.tf.proto.DataType.DT_INT64,
                new long[0], new byte[] {7, 0, 0, 0, 0, 0, 0, 0}));
        for (boolean compress : new boolean[] {false, true}) {
            Path prefix = work.resolve("model.ckpt-" + compress);
            Map<String, BundleEntryProto> entries = new TensorBundleWriter().blockSize(64).compress(compress)
                    .write(prefix, tensors);
            byte[] index = Files.readAllBytes(prefix.resolveSibling(prefix.getFileName() + ".index"));
            byte[] data = Files.readAllBytes(prefix.resolveSibling(prefix.getFileName() + ".data-00000-of-00001"));
            seed(c, "bundle", compress ? "snappy" : "plain", FuzzFrames.join(index, data));
            if (!compress) {
                seed(c, "bundle", "truncated-data", FuzzFrames.join(index, truncated(data, 10)));
                // bundleEntries: header, the entries in the table's order (TensorBundleFuzzTest.ENTRY_NAMES), data
                byte[] header = BundleHeaderProto.newBuilder().setNumShards(1)
                        .setVersion(VersionDef.newBuilder().setProducer(1)).build().toByteArray();
                byte[][] frames = {header, entries.get("bert/embeddings/LayerNorm/gamma").toByteArray(),
                        entries.get("bert/embeddings/word_embeddings").toByteArray(),
                        entries.get("global_step").toByteArray(), data};
                seed(c, "bundleEntries", "valid", FuzzFrames.join(frames));
                frames[2] = entries.get("bert/embeddings/word_embeddings").toBuilder().setOffset(1L << 40).build()
                        .toByteArray();
                seed(c, "bundleEntries", "offset-past-end", FuzzFrames.join(frames));
            }
        }
    }

    // ---- task files -----------------------------------------------------------------------------------------

    private void taskFiles() throws IOException {
        String c = "io.albert4j.tasks.TaskFilesFuzzTest";
        seed(c, "jsonLines", "valid", "{\"text\": \"a fine film\", \"pair\": \"yes\", \"label\": \"pos\"}\n"
                + "{\"text\": \"dull\", \"pair\": \"no\", \"label\": \"neg|meh\"}\n{\"text\": \"x\", \"label\": [\"a\"]}\n");
        seed(c, "jsonLines", "broken", "{\"text\": null, \"label\": 3}\n{\"text\": \n");
        seed(c, "tsv", "valid", "text\tpair\tlabel\na fine film\tyes\tpos\ndull\tno\tneg\n");
        seed(c, "tsv", "short-row", "text\tpair\tlabel\nonly one field\n");
        seed(c, "csv", "valid", "text,pair,label\n\"a \"\"fine\"\" film\",yes,pos\n\"multi\nline\",no,neg\n");
        seed(c, "csv", "open-quote", "text,pair,label\n\"never closed,yes,pos\n");
        seed(c, "glue", "mrpc", "\u0001Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA sentence.\tAnother one.\n");
        seed(c, "glue", "cola", "\u0000gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\n");
        seed(c, "glue", "stsb", "\u0002index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2"
                + "\tscore\n0\tmain\tf\t2012\t1\tnone\tnone\tA plane.\tAn airplane.\t5.000\n");
        seed(c, "squad", "valid", "{\"version\": \"v2.0\", \"data\": [{\"title\": \"T\", \"paragraphs\": [{\"context\":"
                + " \"Albert was born in 1879.\", \"qas\": [{\"id\": \"q1\", \"question\": \"When?\", \"answers\":"
                + " [{\"text\": \"1879\", \"answer_start\": 19}], \"is_impossible\": false}, {\"id\": \"q2\","
                + " \"question\": \"Where?\", \"answers\": [], \"is_impossible\": true}]}]}]}");
        seed(c, "squad", "answer-outside", "{\"data\": [{\"paragraphs\": [{\"context\": \"short\", \"qas\": [{\"id\":"
                + " \"q\", \"question\": \"?\", \"answers\": [{\"text\": \"x\", \"answer_start\": -4}]}]}]}]}");
        seed(c, "race", "valid", "{\"id\": \"high1.txt\", \"article\": \"Tom went home.\", \"questions\": [\"Who?\","
                + " \"Where?\"], \"options\": [[\"Tom\", \"Ann\", \"Bob\", \"Eve\"], [\"home\", \"work\", \"sea\","
                + " \"moon\"]], \"answers\": [\"A\", \"A\"]}");
        seed(c, "race", "three-options", "{\"article\": \"a\", \"questions\": [\"q\"], \"options\": [[\"1\", \"2\","
                + " \"3\"]], \"answers\": [\"E\"]}");
        seed(c, "conll", "valid", "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n"
                + "\nPeter NNP B-NP B-PER\n");
        seed(c, "conll", "no-tag", "word\n\n");
    }
}
