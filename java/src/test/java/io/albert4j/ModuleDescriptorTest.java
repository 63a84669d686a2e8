package io.albert4j;

import io.albert4j.backend.BackendProvider;
import io.albert4j.testing.ModuleSmokeMain;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * module-info.java: the API packages are exported and nothing else, so on the module path "internal" is enforced;
 * and the module works there (a child JVM on the module path: backends found through the service declaration,
 * Jackson binding the opened packages' records, the internal packages refused). The rest of the suite runs on the
 * class path.
 */
class ModuleDescriptorTest {
    private static final Set<String> API = Set.of("albert", "autograd", "backend", "backend.cpu", "backend.cuda",
            "data", "dist", "io", "io.onnx", "io.tf", "io.torch", "metrics", "nn", "ops", "tasks", "tensor",
            "tokenizer", "train");

    /** The descriptor compiled into the classes (or jar) albert4j is loaded from. */
    private static ModuleDescriptor descriptor() throws Exception {
        Path classes = Path.of(BackendProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return ModuleFinder.of(classes).find("io.albert4j").orElseThrow(
                () -> new AssertionError("no module io.albert4j in " + classes)).descriptor();
    }

    @Test
    void exportsTheApiPackagesOnly() throws Exception {
        ModuleDescriptor module = descriptor();
        assertEquals("io.albert4j", module.name());
        Set<String> exported = module.exports().stream().filter(e -> !e.isQualified())
                .map(e -> e.source().substring("io.albert4j.".length())).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(API), exported);
        Set<String> unexported = new TreeSet<>(module.packages());
        unexported.removeIf(p -> API.contains(p.substring("io.albert4j.".length())));
        assertEquals(new TreeSet<>(Set.of("io.albert4j.backend.cpu.internal", "io.albert4j.backend.cuda.internal",
                "io.albert4j.backend.internal", "io.albert4j.cli", "io.albert4j.dist.internal", "io.albert4j.io.onnx.proto",
                "io.albert4j.io.tf.proto")), unexported);
        assertTrue(module.provides().stream().anyMatch(p -> p.service().equals(BackendProvider.class.getName())
                && p.providers().size() == 2), "both backend providers are declared: " + module.provides());
    }

    @Test
    void worksOnTheModulePath() throws Exception {
        // albert4j and its dependencies on the module path; this test's classes (a directory or the tests jar) on
        // the class path, as an app's; the test framework on neither.
        String testClasses = Path.of(ModuleSmokeMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        List<String> modulePath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (!Path.of(entry).toAbsolutePath().toString().equals(Path.of(testClasses).toAbsolutePath().toString())
                    && Stream.of("junit", "opentest4j", "apiguardian", "jazzer").noneMatch(name::startsWith)) {
                modulePath.add(entry);
            }
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=io.albert4j", "-Dalbert4j.threads=1",
                "-Dalbert4j.sharedData=" + System.getProperty("albert4j.sharedData", "../shared/data"),
                "--module-path", String.join(File.pathSeparator, modulePath), "--add-modules", "io.albert4j",
                "-cp", testClasses, ModuleSmokeMain.class.getName());
        Path log = Files.createTempFile("albert4j-module", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "the module-path JVM did not finish");
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), output);
            for (String line : List.of("module io.albert4j", "backend cpu (", "cursor 7", "options 12345",
                    "internal refused", "torch scalar 3.5", "onnx written", "tf bundle ")) {
                assertTrue(output.contains(line), "'" + line + "' missing from:\n" + output);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
