package io.albert4j.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Test resources as files. From Maven they are files already; from the test jar (the GPU bundle runs the suite
 * with JUnit's console launcher) they are copied once to a temporary directory, under their own file name.
 */
public final class TestResources {
    private static Path extracted;

    private TestResources() {
    }

    /** The resource {@code name} (absolute, e.g. {@code /fixtures/x.safetensors}) as a readable file. */
    public static synchronized Path file(String name) {
        URL url = TestResources.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            if (extracted == null) {
                extracted = Files.createTempDirectory("albert4j-test-resources");
                extracted.toFile().deleteOnExit();
            }
            Path target = extracted.resolve(name.substring(name.lastIndexOf('/') + 1));
            if (!Files.exists(target)) {
                try (InputStream in = url.openStream()) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                target.toFile().deleteOnExit();
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract test resource " + name, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
