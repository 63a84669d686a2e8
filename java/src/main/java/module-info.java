/**
 * albert4j: ALBERT as a Java library over native kernels. The API packages are exported; the Panama plumbing
 * ({@code backend.internal}, {@code backend.cpu.internal}, {@code backend.cuda.internal},
 * {@code dist.internal}) and the command line
 * ({@code cli}) are not, so on the module path "internal" is enforced, not a convention. On the class path (the
 * {@code albert} launcher, {@code java -jar}, the JMH benchmarks) this descriptor is ignored.
 *
 * <p>Panama downcalls need native access: {@code --enable-native-access=io.albert4j} on the module path
 * ({@code ALL-UNNAMED} on the class path).
 */
// XChart has no module descriptor, only its Automatic-Module-Name; snappy-java has neither (its name comes from the
// jar's file name, snappy-java-VERSION.jar).
@SuppressWarnings("requires-automatic")
module io.albert4j {
    requires transitive com.fasterxml.jackson.databind;  // JsonNode in public signatures (configs, trainer state)
    requires com.fasterxml.jackson.dataformat.csv;      // task files: CSV/TSV readers and prediction files
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires org.knowm.xchart;
    requires java.desktop;  // training-curve PNGs: XChart draws with AWT (headless)
    requires com.google.protobuf;  // TF checkpoint entries and ONNX files (classes generated from src/main/proto)
    requires snappy.java;  // Snappy-compressed blocks of TF checkpoint indexes

    exports io.albert4j.albert;
    exports io.albert4j.autograd;
    exports io.albert4j.backend;
    exports io.albert4j.backend.cpu;
    exports io.albert4j.backend.cuda;
    exports io.albert4j.data;
    exports io.albert4j.dist;  // data-parallel training (dist.internal, the MPI/NCCL bindings, is not)
    exports io.albert4j.io;
    exports io.albert4j.io.onnx;
    exports io.albert4j.io.tf;
    exports io.albert4j.io.torch;
    exports io.albert4j.metrics;
    exports io.albert4j.nn;
    exports io.albert4j.ops;
    exports io.albert4j.tasks;
    exports io.albert4j.tensor;
    exports io.albert4j.tokenizer;
    exports io.albert4j.train;

    // picocli builds the commands (package-private classes and fields) by reflection.
    opens io.albert4j.cli to info.picocli;
    // Jackson binds records to JSON: DataCursor in checkpoints, PretrainingOptions in trainer_state.json.
    opens io.albert4j.data to com.fasterxml.jackson.databind;
    opens io.albert4j.train to com.fasterxml.jackson.databind;
    // The generated protobuf classes stay internal; protobuf's reflective accessors (toString, equals) reach them.
    opens io.albert4j.io.onnx.proto to com.google.protobuf;
    opens io.albert4j.io.tf.proto to com.google.protobuf;

    uses io.albert4j.backend.BackendProvider;
    provides io.albert4j.backend.BackendProvider with io.albert4j.backend.cpu.CpuBackendProvider,
            io.albert4j.backend.cuda.CudaBackendProvider;
    uses io.albert4j.backend.cuda.CudaGemmProvider;
    provides io.albert4j.backend.cuda.CudaGemmProvider with io.albert4j.backend.cuda.internal.CublasGemmProvider;
}
