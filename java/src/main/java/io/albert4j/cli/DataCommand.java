package io.albert4j.cli;

import io.albert4j.data.CorpusFormat;
import io.albert4j.data.ShardPreparer;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code albert data prepare}: tokenize a text corpus once into binary shards for pretraining. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Prepare pretraining data.",
        subcommands = DataCommand.Prepare.class)
public final class DataCommand implements Runnable {

    /** Loads the tokenizer named by {@code --tokenizer}: SentencePiece by default; tests substitute a fake. */
    @FunctionalInterface
    public interface TokenizerLoader {
        Tokenizer load(Path model) throws Exception;
    }

    private static volatile TokenizerLoader tokenizerLoader = AlbertTokenizer::load;

    public static void setTokenizerLoader(TokenizerLoader loader) {
        tokenizerLoader = loader;
    }

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "prepare", mixinStandardHelpOptions = true,
            description = "Tokenize text files/folders into .a4js shards (sentence-length tables + uint16/int32 ids).")
    static final class Prepare implements Callable<Integer> {
        @Option(names = "--corpus", required = true, split = ",", description = "Text files or folders (recursive).")
        List<Path> corpus;

        @Option(names = "--tokenizer", required = true, description = "SentencePiece model (spiece.model).")
        Path tokenizer;

        @Option(names = "--out", required = true, description = "Output folder for shard-NNNNN.a4js files.")
        Path out;

        @Option(names = "--format", defaultValue = "SENTENCE_PER_LINE",
                description = "SENTENCE_PER_LINE (original format) or PROSE (paragraphs split into sentences).")
        CorpusFormat format;

        @Override
        public Integer call() throws Exception {
            if (!format.isText()) {
                throw new IllegalArgumentException("--format " + format + ": prepare reads text");
            }
            Tokenizer loaded = tokenizerLoader.load(tokenizer);
            ShardPreparer.Summary summary = ShardPreparer.prepare(corpus, format, loaded, out);
            System.out.printf("wrote %d shard(s) to %s: %,d documents, %,d sentences, %,d tokens%n",
                    summary.shards().size(), out, summary.documents(), summary.sentences(), summary.tokens());
            return 0;
        }
    }
}
