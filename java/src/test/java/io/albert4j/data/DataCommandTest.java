package io.albert4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.cli.DataCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {
    @TempDir
    Path dir;

    @Test
    void prepareWritesShardsThatTheLoaderReads() throws Exception {
        Path text = TestCorpus.write(dir, "in/corpus.txt", TestCorpus.sentencePerLine(1, 12, 1, 8, 2, 8));
        DataCommand.setTokenizerLoader(model -> new FakeTokenizer());
        int code = new CommandLine(new DataCommand()).execute("prepare", "--corpus", text.getParent().toString(),
                "--tokenizer", "unused.model", "--out", dir.resolve("out").toString());
        assertEquals(0, code);
        assertTrue(Files.exists(dir.resolve("out/shard-00000.a4js")));
        assertEquals(VocabularyInfo.of(new FakeTokenizer()),
                DocumentSource.shards(List.of(dir.resolve("out"))).vocabulary());
    }

    @Test
    void missingCorpusIsReportedByName() {
        DataCommand.setTokenizerLoader(model -> new FakeTokenizer());
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DataCommand()).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler((ex, commandLine, parsed) -> {
                    commandLine.getErr().println(ex.getMessage());
                    return 1;
                });
        int code = cli.execute("prepare", "--corpus", dir.resolve("absent").toString(), "--tokenizer", "x.model",
                "--out", dir.resolve("out").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("absent' does not exist"), err.toString());
    }
}
