package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every reader on good and malformed files: a malformed one is an error naming the file and the line or path. */
class ReadersTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void assertFails(String expected, Runnable read) {
        TaskDataException e = assertThrows(TaskDataException.class, read::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void glueColumnsLabelsAndErrors() throws Exception {
        Path mrpc = file("train.tsv", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                + "1\t1\t2\tHe said \"yes\".\tHe agreed.\n0\t3\t4\tA cat.\tA dog.\n");
        List<TextExample> rows = GlueReader.read(GlueTask.MRPC, mrpc);
        assertEquals(2, rows.size());
        assertEquals("He said \"yes\".", rows.get(0).textA()); // quotes are text, as GR reads GLUE
        assertEquals("He agreed.", rows.get(0).textB());
        assertEquals(List.of("1"), rows.get(0).labels());
        Path cola = file("cola.tsv", "gj04\t1\t\tOur friends won't buy this analysis.\n");
        assertEquals("Our friends won't buy this analysis.", GlueReader.read(GlueTask.COLA, cola).get(0).textA());

        assertFails("short.tsv:3: 3 tab-separated columns, mrpc needs at least 5", () -> GlueReader.read(GlueTask.MRPC,
                unchecked("short.tsv", "h\th\th\th\th\n1\t1\t2\ta\tb\n1\t2\t3\n")));
        assertFails("label.tsv:2: label 'maybe' is not one of [entailment, not_entailment]",
                () -> GlueReader.read(GlueTask.RTE, unchecked("label.tsv", "i\ts1\ts2\tl\n0\ta\tb\tmaybe\n")));
        assertFails("sts.tsv:2: score 'high' is not a number", () -> GlueReader.read(GlueTask.STSB,
                unchecked("sts.tsv", "h\n0\t1\t2\t3\t4\t5\t6\ta\tb\thigh\n")));
        // QQP's broken rows are skipped, as GR and HF do.
        Path qqp = file("qqp.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t2\t3\tq?\tp?\t1\nbroken\n");
        assertEquals(1, GlueReader.read(GlueTask.QQP, qqp).size());
    }

    private Path unchecked(String name, String content) {
        try {
            return file(name, content);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFileThatIsNotUtf8IsSaidToBeSo() throws Exception {
        TextColumns columns = TextColumns.of(List.of("subject"), List.of(), "label");
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, "{\"subject\": \"caf\u00e9\", \"label\": \"ham\"}\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        TaskDataException e = assertThrows(TaskDataException.class, () -> TextFileReader.read(latin1, columns, true));
        assertTrue(e.getMessage().endsWith("latin1.jsonl: not UTF-8 text (a malformed byte sequence); task files "
                + "must be UTF-8"), e.getMessage());
    }

    @Test
    void genericFilesInThreeFormats() throws Exception {
        TextColumns columns = TextColumns.of(List.of("subject", "body"), List.of(), "label");
        Path jsonl = file("a.jsonl", "{\"subject\": \"Hi\", \"body\": \"there\", \"label\": \"ham\"}\n\n"
                + "{\"subject\": \"Win\", \"body\": null, \"label\": [\"spam\", \"ads\"]}\n");
        List<TextExample> j = TextFileReader.read(jsonl, columns, true);
        assertEquals("Hi there", j.get(0).textA());
        assertEquals("Win", j.get(1).textA());
        assertEquals(List.of("spam", "ads"), j.get(1).labels());
        Path csv = file("a.csv", "subject,body,label\n\"Hello, you\",\"line one\nline two\",ham\nx,y,spam\n");
        List<TextExample> c = TextFileReader.read(csv, columns, true);
        assertEquals("Hello, you line one\nline two", c.get(0).textA());
        assertEquals(List.of("spam"), c.get(1).labels());
        Path tsv = file("a.tsv", "subject\tbody\tlabel\n\"quoted\"\tb\tham\n");
        assertEquals("\"quoted\" b", TextFileReader.read(tsv, columns, true).get(0).textA());
        // Unlabelled rows are fine for prediction.
        Path unlabelled = file("u.jsonl", "{\"subject\": \"a\", \"body\": \"b\"}\n");
        assertTrue(TextFileReader.read(unlabelled, columns, false).get(0).labels().isEmpty());
    }

    @Test
    void genericFileErrorsNameFileAndLine() {
        TextColumns columns = TextColumns.of(List.of("text"), List.of(), "label");
        assertFails("bad.jsonl:2: not JSON", () -> TextFileReader.read(unchecked("bad.jsonl",
                "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\n"), columns, true));
        assertFails("nolabel.jsonl:1: no 'label' field", () -> TextFileReader.read(unchecked("nolabel.jsonl",
                "{\"text\": \"a\"}\n"), columns, true));
        assertFails("notext.jsonl:1: none of the text fields [text] is there", () -> TextFileReader.read(
                unchecked("notext.jsonl", "{\"body\": \"a\", \"label\": 1}\n"), columns, true));
        assertFails("array.jsonl:1: expected a JSON object", () -> TextFileReader.read(unchecked("array.jsonl",
                "[1, 2]\n"), columns, true));
        assertFails("cols.csv:3: 2 columns, the header has 3", () -> TextFileReader.read(unchecked("cols.csv",
                "text,other,label\na,b,c\nd,e\n"), columns, true));
        assertFails("header.csv:1: the header [body, label] has no column 'text'", () -> TextFileReader.read(
                unchecked("header.csv", "body,label\na,b\n"), columns, true));
        assertFails("quote.csv:3: not valid CSV: Missing closing quote", () -> TextFileReader.read(unchecked("quote.csv",
                "text,label\n\"open quote,x\n"), columns, true));
        assertFails("cannot tell the format", () -> TextFileReader.read(unchecked("data.txt", "x"), columns, true));
        assertFails("empty.jsonl: no examples", () -> TextFileReader.read(unchecked("empty.jsonl", "\n"), columns,
                true));
    }

    private static final String SQUAD = """
            {"version": "v2.0", "data": [{"title": "t", "paragraphs": [{"context": "The Congress shall meet.",
              "qas": [{"id": "q1", "question": "Who shall meet?", "answers": [{"text": "The Congress",
              "answer_start": 0}]}, {"id": "q2", "question": "When?", "answers": [], "is_impossible": true}]}]}]}
            """;

    @Test
    void squadQuestionsAndErrorsWithTheirJsonPath() throws Exception {
        SquadReader.Contents contents = SquadReader.read(file("dev.json", SQUAD));
        assertEquals(2, contents.examples().size());
        assertEquals("The Congress", contents.examples().get(0).answers().get(0).text());
        assertTrue(contents.examples().get(1).impossible());
        assertTrue(contents.hasImpossible());
        assertFails("start.json: data[0].paragraphs[0].qas[0].answers[0].answer_start: 40 + 12 characters is outside "
                + "the context", () -> SquadReader.read(unchecked("start.json",
                SQUAD.replace("\"answer_start\": 0", "\"answer_start\": 40"))));
        assertFails("context.json: data[0].paragraphs[0].context: missing", () -> SquadReader.read(
                unchecked("context.json", SQUAD.replace("\"context\"", "\"text\""))));
        assertFails("id.json: data[0].paragraphs[0].qas[1].id: expected a string, got NUMBER", () -> SquadReader.read(
                unchecked("id.json", SQUAD.replace("\"q2\"", "7"))));
        assertFails("noanswer.json: data[0].paragraphs[0].qas[1]: no answers and not is_impossible",
                () -> SquadReader.read(unchecked("noanswer.json", SQUAD.replace(", \"is_impossible\": true", ""))));
        assertFails("broken.json:1: not JSON", () -> SquadReader.read(unchecked("broken.json", "{\"data\": [")));
        // An answer whose text is not at its offset is counted, not fatal (GR and HF skip it in training).
        SquadReader.Contents shifted = SquadReader.read(file("shift.json",
                SQUAD.replace("\"answer_start\": 0", "\"answer_start\": 1")));
        assertEquals(1, shifted.mismatchedAnswers());
    }
}
