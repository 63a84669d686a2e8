package io.albert4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.data.SentenceSplitter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models trained here against Debian's SentencePiece tools: spm_encode loads them, spm_train is the quality bar. */
class UnigramTrainerSpmTest {
    private static final Path SPM_ENCODE = Path.of("/usr/bin/spm_encode");
    private static final Path SPM_TRAIN = Path.of("/usr/bin/spm_train");

    private static List<String> run(List<String> command, Path stdin) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectInput(stdin.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "timeout: " + command.get(0));
        assertEquals(0, process.exitValue(), () -> String.join(" ", command) + " failed");
        return new String(out, StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void spmEncodeLoadsTrainedModelAndAgreesOnHeldOutLines(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(SPM_ENCODE), SPM_ENCODE + " absent: spm_encode parity skipped");
        SentencePieceModel model = UnigramTrainer.train(UnigramTrainerTest.generatedCorpus(4, 1500),
                UnigramTrainerConfig.albert(400));
        Path modelFile = dir.resolve("gen.model");
        model.save(modelFile, null);
        List<String> heldOut = new ArrayList<>(UnigramTrainerTest.generatedCorpus(5, 300));
        heldOut.add("  Unseen  letters: xyzzy Ǆ ｆｕｌｌ-ｗｉｄｔｈ [CLS] (nested \"quotes\") – £3.50 €");
        heldOut.add("");
        Path input = dir.resolve("held.txt");
        Files.write(input, heldOut, StandardCharsets.UTF_8);
        List<String> expected = run(List.of(SPM_ENCODE.toString(), "--model=" + modelFile, "--output_format=id"), input);
        assertEquals(heldOut.size(), expected.size());
        SentencePieceProcessor ours = SentencePieceProcessor.load(modelFile);
        for (int i = 0; i < heldOut.size(); i++) {
            int[] spmIds = SentencePieceParityTest.parseIds(expected.get(i));
            String line = heldOut.get(i);
            assertArrayEquals(spmIds, ours.encodeIds(line), () -> "ids of '" + line + "'");
        }
    }

    @Test
    void tokensPerWordWithinFivePercentOfSpmTrain(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(SPM_TRAIN) && Files.isExecutable(SPM_ENCODE),
                "spm_train/spm_encode absent: quality comparison skipped");
        Path sotu = Path.of(System.getProperty("albert4j.sharedData", "../shared/data"), "sotu");
        assumeTrue(Files.isDirectory(sotu), "shared data absent at " + sotu + ": quality comparison skipped");
        List<Path> files;
        try (Stream<Path> list = Files.list(sotu)) {
            files = list.sorted().toList();
        }
        // A modest slice: every 4th address trains (about 15k sentences), every 20th one is held out.
        List<String> train = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            List<String> target = i % 20 == 1 ? heldOut : i % 4 == 0 ? train : null;
            if (target != null) {
                for (String paragraph : Files.readAllLines(files.get(i))) {
                    target.addAll(SentenceSplitter.split(paragraph));
                }
            }
        }
        int vocabSize = 4000;
        Path trainFile = dir.resolve("train.txt");
        Path heldFile = dir.resolve("held.txt");
        Files.write(trainFile, train, StandardCharsets.UTF_8);
        Files.write(heldFile, heldOut, StandardCharsets.UTF_8);
        // ALBERT's flags; spm 0.1.97 reads the symbol lists as CSV, so the quote is written as """" (a quoted ").
        run(List.of(SPM_TRAIN.toString(), "--input=" + trainFile, "--model_prefix=" + dir.resolve("ref"),
                "--vocab_size=" + vocabSize, "--model_type=unigram", "--pad_id=0", "--unk_id=1", "--bos_id=-1",
                "--eos_id=-1", "--control_symbols=[CLS],[SEP],[MASK]",
                "--user_defined_symbols=(,),\"\"\"\",-,.,\u2013,\u00a3,\u20ac", "--character_coverage=0.99995",
                "--num_threads=2"), heldFile);
        SentencePieceProcessor reference = SentencePieceProcessor.load(dir.resolve("ref.model"));
        assertEquals("\"", reference.idToPiece(7), "spm_train parsed the user-defined symbols as ALBERT's");

        long start = System.nanoTime();
        SentencePieceProcessor ours = new SentencePieceProcessor(UnigramTrainer.train(train,
                UnigramTrainerConfig.albert(vocabSize)));
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int id = 0; id < 13; id++) {
            assertEquals(reference.idToPiece(id), ours.idToPiece(id), "special piece " + id);
            assertEquals(reference.type(id), ours.type(id), "type of special piece " + id);
        }
        long words = 0;
        long oursTokens = 0;
        long spmTokens = 0;
        for (String line : heldOut) {
            words += line.isBlank() ? 0 : line.trim().split("\\s+").length;
            oursTokens += ours.encodeIds(line).length;
            spmTokens += reference.encodeIds(line).length;
        }
        double oursPerWord = (double) oursTokens / words;
        double spmPerWord = (double) spmTokens / words;
        System.out.printf("unigram trainer on %d sentences, vocab %d: %.4f tokens/word (spm_train %.4f), %.1f s%n",
                train.size(), vocabSize, oursPerWord, spmPerWord, seconds);
        assertTrue(Math.abs(oursPerWord / spmPerWord - 1) <= 0.05, "tokens/word " + oursPerWord + " vs spm_train's "
                + spmPerWord);
    }
}
