package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tokenizer.AlbertTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RACE and CoNLL readers and their features, on good and malformed files. */
class TaskReadersTest {
    @TempDir
    Path dir;

    private static final String RACE = """
            {"id": "m1.txt", "article": "The Congress shall meet once every year.",
             "questions": ["The Congress meets _ .", "How often?"],
             "options": [["yearly", "never", "daily", "weekly"], ["once a year", "twice", "never", "often"]],
             "answers": ["A", "A"]}
            """;

    private static void assertFails(String expected, Runnable read) {
        TaskDataException e = assertThrows(TaskDataException.class, read::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void raceFoldersLevelsBlanksAndTruncation() throws Exception {
        Path middle = Files.createDirectories(dir.resolve("dev/middle"));
        Files.writeString(middle.resolve("m1.txt"), RACE);
        Files.createDirectories(dir.resolve("dev/high"));
        Files.writeString(dir.resolve("dev/high/h1.txt"), RACE.replace("\"A\", \"A\"", "\"B\", \"D\""));
        List<RaceExample> examples = RaceReader.read(dir.resolve("dev"));
        assertEquals(4, examples.size());
        assertEquals("high", examples.get(0).level());
        assertEquals(1, examples.get(0).answer());
        assertEquals("middle", examples.get(2).level());
        AlbertTokenizer tok = TokenOffsetsTest.tokenizer();
        MultipleChoiceTask.Feature f = MultipleChoiceTask.encode(List.of(examples.get(2)), tok, 64, 128).get(0);
        // "_" replaced by the option: [CLS] article [SEP] "the congress meets yearly ." [SEP]
        int[] qa = tok.encode("The Congress meets yearly .");
        int[] article = tok.encode("The Congress shall meet once every year.");
        assertEquals(article.length + qa.length + 3, f.ids()[0].length);
        assertEquals(qa[qa.length - 2], f.ids()[0][f.ids()[0].length - 3]);
        // Without a blank the option follows the question; the QA part keeps its LAST tokens.
        MultipleChoiceTask.Feature cut = MultipleChoiceTask.encode(List.of(examples.get(3)), tok, 64, 2).get(0);
        int[] kept = tok.encode("How often? once a year");
        assertArrayEquals(new int[] {kept[kept.length - 2], kept[kept.length - 1], tok.sepId()},
                java.util.Arrays.copyOfRange(cut.ids()[0], cut.ids()[0].length - 3, cut.ids()[0].length));
        assertEquals(1, cut.tokenTypes()[0][cut.ids()[0].length - 1]);
    }

    @Test
    void raceErrorsNameFileAndJsonPath() throws Exception {
        Path three = Files.writeString(dir.resolve("three.txt"), RACE.replace("\"yearly\", ", ""));
        assertFails("three.txt: options[0]: expected 4 options", () -> RaceReader.read(three));
        Path letter = Files.writeString(dir.resolve("letter.txt"), RACE.replace("\"A\", \"A\"", "\"A\", \"E\""));
        assertFails("letter.txt: answers[1]: 'E' is not one of A, B, C, D", () -> RaceReader.read(letter));
        Path count = Files.writeString(dir.resolve("count.txt"), RACE.replace(", \"How often?\"", ""));
        assertFails("count.txt: questions: 1 questions but 2 option lists", () -> RaceReader.read(count));
        Path broken = Files.writeString(dir.resolve("broken.txt"), "{\"article\": ");
        assertFails("broken.txt:1: not JSON", () -> RaceReader.read(broken));
    }

    @Test
    void conllSentencesFirstPieceLabelsAndErrors() throws Exception {
        Path file = Files.writeString(dir.resolve("train.txt"), """
                -DOCSTART- -X- O O

                George NNP B-PER
                Washington NNP I-PER
                visited VBD O
                Philadelphia NNP B-LOC

                Congress NNP B-ORG
                """);
        List<TaggedSentence> sentences = ConllReader.read(file, true);
        assertEquals(2, sentences.size());
        assertEquals(List.of("B-PER", "I-PER", "O", "B-LOC"), sentences.get(0).tags());
        AlbertTokenizer tok = TokenOffsetsTest.tokenizer();
        List<String> tags = List.of("B-LOC", "B-ORG", "B-PER", "I-PER", "O");
        TokenClassificationTask.Feature f = TokenClassificationTask.encode(sentences.subList(0, 1), tok, tags, 64)
                .get(0);
        int labelled = 0;
        for (int i = 0; i < f.labels().length; i++) {
            labelled += f.labels()[i] >= 0 ? 1 : 0;
        }
        assertEquals(4, labelled, "one label per word, on its first piece");
        assertEquals(2, f.labels()[f.wordStarts()[0]]);           // B-PER on George's first piece
        int philadelphia = tok.encode("Philadelphia").length;
        assertTrue(philadelphia > 1 || f.ids().length == 6);
        if (philadelphia > 1) {
            assertEquals(-100, f.labels()[f.wordStarts()[3] + 1]);  // its second piece is ignored
        }
        // A short length keeps whole words only; the rest are left out (scored as O).
        TokenClassificationTask.Feature cut = TokenClassificationTask.encode(sentences.subList(0, 1), tok, tags,
                1 + tok.encode("George").length + 1).get(0);
        assertEquals(-1, cut.wordStarts()[1]);
        Path bad = Files.writeString(dir.resolve("bad.txt"), "George B-PER\nWashington\n");
        assertFails("bad.txt:2: 'Washington' has no tag column", () -> ConllReader.read(bad, true));
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertFails("empty.txt: no sentences", () -> ConllReader.read(empty, true));
    }
}
