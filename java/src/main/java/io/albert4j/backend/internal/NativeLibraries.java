package io.albert4j.backend.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads albert4j's native libraries, in one place for every backend.
 *
 * <p>Order: the directory named by the environment variable {@code ALBERT4J_NATIVE_DIR} or the system property
 * {@code albert4j.native.dir}; else the copy packed in the jar under {@code native/linux-x86_64/}, extracted once
 * to {@code ~/.cache/albert4j/<content hash>/} (content-addressed, so two versions never overwrite each other and a
 * half-written file is never loaded: extraction goes to a temp file that is renamed into place).
 */
public final class NativeLibraries {
    public static final String ENV_DIR = "ALBERT4J_NATIVE_DIR";
    public static final String PROPERTY_DIR = "albert4j.native.dir";
    private static final String RESOURCE_DIR = "native/linux-x86_64/";
    private static final Map<String, SymbolLookup> LOADED = new ConcurrentHashMap<>();

    private NativeLibraries() {
    }

    /** Loads {@code libNAME.so} (e.g. "albert4j_cpu") and returns its symbols; cached per name. */
    public static SymbolLookup load(String name) {
        return LOADED.computeIfAbsent(name, NativeLibraries::locateAndLoad);
    }

    /** The file {@link #load} would use, or throws with what was searched. */
    public static Path locate(String name) {
        String file = "lib" + name + ".so";
        String dir = System.getProperty(PROPERTY_DIR, System.getenv(ENV_DIR));
        if (dir != null && !dir.isBlank()) {
            Path candidate = Path.of(dir, file);
            if (!Files.isRegularFile(candidate)) {
                throw new UnsatisfiedLinkError(file + " not found in " + dir + " (set by " + ENV_DIR + "/" + PROPERTY_DIR + ")");
            }
            return candidate;
        }
        return extractFromJar(file);
    }

    private static SymbolLookup locateAndLoad(String name) {
        Path path = locate(name);
        return SymbolLookup.libraryLookup(path, Arena.global());
    }

    private static Path extractFromJar(String file) {
        byte[] bytes;
        try (InputStream in = NativeLibraries.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) {
                throw new UnsatisfiedLinkError(file + " is not packed in the albert4j jar (" + RESOURCE_DIR
                        + "); build with 'mvn package' or point " + ENV_DIR + " at a directory that has it");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("reading " + file + " from the jar: " + e.getMessage());
        }
        Path cacheRoot = Path.of(System.getProperty("albert4j.cache.dir",
                Path.of(System.getProperty("user.home"), ".cache", "albert4j").toString()));
        Path target = cacheRoot.resolve(sha256(bytes).substring(0, 16)).resolve(file);
        try {
            if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
                return target;
            }
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), file, ".tmp");
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("extracting " + file + " to " + target + ": " + e.getMessage()
                    + " (set " + ENV_DIR + " to a directory holding it, or albert4j.cache.dir to a writable one)");
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
