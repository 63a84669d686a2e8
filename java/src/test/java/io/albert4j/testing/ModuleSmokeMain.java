package io.albert4j.testing;

import io.albert4j.backend.Backends;
import io.albert4j.data.DataCursor;
import io.albert4j.train.PretrainingOptions;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Run from the class path against albert4j on the module path (ModuleDescriptorTest): what a modular app sees.
 * Prints one line per check; exits 1 on the first that fails.
 */
public final class ModuleSmokeMain {
    private ModuleSmokeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (!ModuleSmokeMain.class.getModule().isNamed() && Backends.class.getModule().isNamed()) {
            System.out.println("module " + Backends.class.getModule().getName());
        }
        // ServiceLoader through the module's uses/provides, and the native library from the jar's resources.
        System.out.println("backend " + Backends.cpu().description());
        // Jackson binds the records of the opened packages.
        DataCursor cursor = DataCursor.fromJson(DataCursor.start(7).toJson());
        System.out.println("cursor " + cursor.seed());
        System.out.println("options " + new ObjectMapper().valueToTree(PretrainingOptions.defaults()).get("seed"));
        // The Panama plumbing is not exported: reflection from outside is refused.
        try {
            Class.forName("io.albert4j.backend.internal.NativeLibraries").getMethod("locate", String.class)
                    .invoke(null, "albert4j_cpu");
            System.out.println("internal reachable");
            System.exit(1);
        } catch (IllegalAccessException expected) {
            System.out.println("internal refused");
        }
    }
}
