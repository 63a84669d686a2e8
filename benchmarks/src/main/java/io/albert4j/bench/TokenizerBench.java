package io.albert4j.bench;

import io.albert4j.tokenizer.SentencePieceProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * SentencePiece encoding throughput in tokens per second on one thread (ops/s x tokens per op). Needs a model:
 * {@code -Dalbert4j.spmModel=PATH} (e.g. java/src/test/resources/tokenizer/sotu8k.model); text from
 * {@code -Dalbert4j.sharedData}/sotu when present, else generated English-like sentences.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class TokenizerBench {
    private SentencePieceProcessor spm;
    private List<String> sentences;
    /** Tokens in one pass over {@link #sentences}: multiply the ops/s score by this for tokens/s. */
    private long tokensPerPass;

    @Setup
    public void setUp() throws IOException {
        spm = SentencePieceProcessor.load(Path.of(System.getProperty("albert4j.spmModel",
                "java/src/test/resources/tokenizer/sotu8k.model")));
        sentences = new ArrayList<>();
        Path sotu = Path.of(System.getProperty("albert4j.sharedData", "../shared/data"), "sotu");
        if (Files.isDirectory(sotu)) {
            try (var files = Files.list(sotu)) {
                for (Path file : files.sorted().limit(20).toList()) {
                    for (String sentence : Files.readString(file).split("(?<=[.!?])\\s+")) {
                        sentences.add(sentence);
                    }
                }
            }
        } else {
            java.util.Random random = new java.util.Random(1);
            String[] words = {"the", "people", "of", "united", "states", "congress", "government", "shall", "year",
                    "nation", "peace", "commerce", "treasury", "1,250", "revenue", "public", "and", "in", "to"};
            for (int s = 0; s < 5000; s++) {
                StringBuilder text = new StringBuilder();
                for (int w = 0; w < 20; w++) {
                    text.append(words[random.nextInt(words.length)]).append(w == 19 ? "." : " ");
                }
                sentences.add(text.toString());
            }
        }
        for (String sentence : sentences) {
            tokensPerPass += spm.encodeIds(sentence).length;
        }
        System.out.println("\nTokenizerBench: " + sentences.size() + " sentences, " + tokensPerPass
                + " tokens per op (tokens/s = ops/s x " + tokensPerPass + ")");
    }

    @Benchmark
    public void encodeAllSentences(Blackhole sink) {
        for (String sentence : sentences) {
            sink.consume(spm.encodeIds(sentence));
        }
    }
}
