package io.albert4j.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.testing.FuzzFrames;
import io.albert4j.testing.ReaderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Fuzz target of a model folder's tokenizer files: {@code tokenizer_config.json} and {@code special_tokens_map.json}. */
class HfTokenizerConfigFuzzTest {
    private static final Path DIR = ReaderContract.scratch("tokenizer-config");

    /** Frames: tokenizer_config.json, special_tokens_map.json ({@link FuzzFrames}); an empty frame is no file. */
    @FuzzTest
    void tokenizerFiles(byte[] data) throws Exception {
        ReaderContract.clear(DIR);
        List<byte[]> files = FuzzFrames.split(data, 2);
        if (files.get(0).length > 0) {
            Files.write(DIR.resolve(HfTokenizerConfig.TOKENIZER_CONFIG_FILE), files.get(0));
        }
        if (files.get(1).length > 0) {
            Files.write(DIR.resolve(HfTokenizerConfig.SPECIAL_TOKENS_FILE), files.get(1));
        }
        ReaderContract.parsesOrRefuses(".json", () -> HfTokenizerConfig.read(DIR), CheckpointException.class);
    }
}
