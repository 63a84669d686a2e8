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
 * with JUnit's console launcher) they are copied once to a temporary directory, under their own path.
 */
public final class TestResources {
    private static Path extracted;

    private TestResources() {
    }

    /**
     * A fixture folder ({@code /fixtures/torch/m}) with the files named, all extracted side by side: what a
     * model-directory test loads.
     */
    public static Path folder(String name, String... files) {
        Path folder = null;
        for (String file : files) {
            folder = file(name + "/" + file).getParent();
        }
        return folder;
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
            // The resource's own path under the directory, so files of one fixture folder stay siblings and two
            // folders' config.json stay apart.
            Path target = extracted.resolve(name.substring(1)).normalize();
            if (!target.startsWith(extracted)) {
                throw new IllegalArgumentException("resource name " + name + " leaves the extraction directory");
            }
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
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
