package io.albert4j.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.io.CheckpointException;
import io.albert4j.io.SafetensorsDType;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.io.torch.TorchArchives.Pickle;
import io.albert4j.io.torch.TorchArchives.TensorSpec;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorchCheckpointReader} on files torch.save wrote ({@code make_torch_checkpoints.py}: their values are
 * also in a safetensors file that script wrote by hand) and on hand-built archives that lie.
 */
class TorchCheckpointReaderTest {
    private static final String FIXTURES = "/fixtures/torch/";

    @TempDir
    Path dir;

    private static Path fixture(String name) {
        return TestResources.file(FIXTURES + name);
    }

    /** Every tensor of {@code expected} is in the checkpoint with its dtype, shape and values. */
    private static void assertSameTensors(Path checkpoint, Path expected) {
        try (TorchCheckpointReader torch = TorchCheckpointReader.open(checkpoint);
             SafetensorsReader reference = SafetensorsReader.open(expected)) {
            for (String name : reference.names()) {
                SafetensorsReader.TensorInfo info = reference.info(name);
                assertEquals(info.dtype(), torch.stored(name).dtype(), name);
                assertArrayEquals(info.shape(), torch.stored(name).shape(), name);
                DType as = info.dtype() == SafetensorsDType.I64 ? DType.I32 : DType.F32;
                try (Tensor a = torch.read(name, as); Tensor b = reference.read(name, as)) {
                    if (as == DType.F32) {
                        assertArrayEquals(b.toFloatArray(), a.toFloatArray(), name);
                    } else {
                        assertArrayEquals(b.toIntArray(), a.toIntArray(), name);
                    }
                }
            }
        }
    }

    @Test
    void zipStateDictReadsBackTiedAndAliasedTensors() {
        Path bin = fixture("albert_pretraining_f32/pytorch_model.bin");
        assertSameTensors(bin, fixture("albert_pretraining_f32.expected.safetensors"));
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(bin)) {
            assertEquals("albert.embeddings.word_embeddings.weight", reader.names().iterator().next());
            assertEquals(SafetensorsDType.I64, reader.stored("albert.embeddings.position_ids").dtype());
            // HF's state dict carries the tied decoder weight: the same storage as the word embeddings.
            assertArrayEquals(reader.readF32("albert.embeddings.word_embeddings.weight").toFloatArray(),
                    reader.readF32("predictions.decoder.weight").toFloatArray());
            assertArrayEquals(reader.readF32("predictions.bias").toFloatArray(),
                    reader.readF32("predictions.decoder.bias").toFloatArray());
        }
    }

    @Test
    void halfPrecisionAndTheLegacyLayoutRead() {
        assertSameTensors(fixture("albert_mlm_f16/pytorch_model.bin"), fixture("albert_mlm_f16.expected.safetensors"));
        Path legacy = fixture("albert_pretraining_bf16_legacy/pytorch_model.bin");
        assertSameTensors(legacy, fixture("albert_pretraining_bf16_legacy.expected.safetensors"));
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(legacy)) {
            assertEquals(SafetensorsDType.BF16, reader.stored("albert.pooler.weight").dtype());
            assertEquals(DType.BF16, reader.read("albert.pooler.weight", DType.BF16).dtype());
        }
    }

    @Test
    void stridedViewsOffsetsScalarsAndEmptyTensorsAreGathered() {
        assertSameTensors(fixture("views.bin"), fixture("views.expected.safetensors"));
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(fixture("views.bin"))) {
            assertArrayEquals(new int[] {6, 4}, reader.stored("transposed").shape());
            assertArrayEquals(new int[0], reader.stored("scalar").shape());
            assertArrayEquals(new float[] {3.5f}, reader.readF32("scalar").toFloatArray());
            assertEquals(0, reader.readF32("empty").numel());
        }
    }

    @Test
    void aPickleAskingForOsSystemIsRefusedWithoutRunningIt() throws IOException {
        Path marker = Path.of("/tmp/albert4j-evil-pickle-ran");
        Files.deleteIfExists(marker);
        Path evil = fixture("evil_global.bin");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(evil));
        assertTrue(e.getMessage().startsWith(evil.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("global 'posix.system'"), e.getMessage());
        assertFalse(Files.exists(marker), "the payload ran");
    }

    @Test
    void everyOtherGlobalAndObjectBuildingOpcodeIsRefused() throws IOException {
        for (String[] global : new String[][] {{"builtins", "eval"}, {"torch._utils", "_rebuild_tensor_v3"},
                {"torch", "load"}, {"numpy.core.multiarray", "_reconstruct"}, {"__main__", "Exploit"}}) {
            byte[] pickle = new Pickle().global(global[0], global[1]).op(')').op('R').stop();
            Path file = TorchArchives.write(dir.resolve(global[1] + ".bin"), pickle, Map.of());
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(file));
            assertTrue(e.getMessage().contains("global '" + global[0] + "." + global[1] + "'"), e.getMessage());
        }
        // NEWOBJ / INST / OBJ build objects of any class without a REDUCE: refused by opcode.
        byte[] newobj = new Pickle().global("collections", "OrderedDict").op(')').op(0x81).stop();
        Path file = TorchArchives.write(dir.resolve("newobj.bin"), newobj, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(file));
        assertTrue(e.getMessage().contains("constructs an arbitrary object"), e.getMessage());
    }

    @Test
    void aStorageShorterThanItsReferenceFailsNamingTheTensor() throws IOException {
        // The pickle claims 1e9 floats; the archive holds 16 bytes: refused before any allocation.
        byte[] pickle = TorchArchives.stateDict(new TensorSpec("albert.pooler.weight", "FloatStorage", "0",
                1_000_000_000L, 0, new long[] {2, 2}, new long[] {2, 1}));
        Path file = TorchArchives.write(dir.resolve("short.bin"), pickle, Map.of("0", TorchArchives.floats(1, 2, 3, 4)));
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(file));
        assertTrue(e.getMessage().contains("tensor 'albert.pooler.weight': storage '0' holds 16 bytes"), e.getMessage());
    }

    @Test
    void anOffsetShapeOrStrideOutsideTheStorageFailsNamingTheTensor() throws IOException {
        Map<String, byte[]> storage = Map.of("0", TorchArchives.floats(1, 2, 3, 4));
        TensorSpec[] lies = {
                new TensorSpec("offset", "FloatStorage", "0", 4, 3, new long[] {2}, new long[] {1}),
                new TensorSpec("shape", "FloatStorage", "0", 4, 0, new long[] {3, 2}, new long[] {2, 1}),
                new TensorSpec("stride", "FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {3, 1}),
                new TensorSpec("huge", "FloatStorage", "0", 4, 0, new long[] {1L << 40, 1L << 40}, new long[] {0, 0}),
        };
        for (TensorSpec lie : lies) {
            Path file = TorchArchives.write(dir.resolve(lie.name() + ".bin"), TorchArchives.stateDict(lie), storage);
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(file));
            assertTrue(e.getMessage().contains("tensor '" + lie.name() + "'"), e.getMessage());
        }
        // A view inside the storage is fine: [2, 2] with strides (1, 2) is the transpose.
        Path ok = TorchArchives.write(dir.resolve("ok.bin"), TorchArchives.stateDict(
                new TensorSpec("t", "FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {1, 2})), storage);
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(ok)) {
            assertArrayEquals(new float[] {1, 3, 2, 4}, reader.readF32("t").toFloatArray());
        }
    }

    @Test
    void aMissingStorageAndNonTensorEntriesAreNamed() throws IOException {
        byte[] pickle = TorchArchives.stateDict(TensorSpec.contiguous("albert.pooler.bias", "7", 2));
        Path file = TorchArchives.write(dir.resolve("missing.bin"), pickle, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(file));
        assertTrue(e.getMessage().contains("tensor 'albert.pooler.bias': storage '7' is missing"), e.getMessage());

        byte[] notTensors = new Pickle().op('}').string("epoch").integer(3).op('s').stop();
        Path training = TorchArchives.write(dir.resolve("training.bin"), notTensors, Map.of());
        e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(training));
        assertTrue(e.getMessage().contains("entry 'epoch' is"), e.getMessage());
    }

    @Test
    void truncatedAndLyingPicklesFailCleanly() throws IOException {
        byte[] whole = Files.readAllBytes(fixture("albert_pretraining_f32/pytorch_model.bin"));
        for (int keep : new int[] {0, 3, 100, whole.length / 2, whole.length - 30}) {
            Path cut = Files.write(dir.resolve("cut" + keep + ".bin"), Arrays.copyOf(whole, keep));
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(cut));
            assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        }
        // A string claiming 2 GiB in a 20-byte pickle; a pickle without STOP; a stack underflow.
        byte[][] pickles = {
                new Pickle().op('X').raw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}).stop(),
                new Pickle().op('}').bytes(),
                new Pickle().op('s').stop(),
                // A list appended to itself, in a tuple used as a dict key: hashing it would never end.
                new Pickle().op('}').op(']').op('2').op('a').op(0x85).integer(1).op('s').stop(),
        };
        String[] problems = {"claims 2147483647 bytes", "ends without STOP", "stack underflow",
                "dict key a tuple of 1"};
        for (int i = 0; i < pickles.length; i++) {
            Path file = TorchArchives.write(dir.resolve("pickle" + i + ".bin"), pickles[i], Map.of());
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(file));
            assertTrue(e.getMessage().contains(problems[i]), e.getMessage());
        }
        Path text = Files.writeString(dir.resolve("text.bin"), "hello, not a checkpoint");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpointReader.open(text));
        assertTrue(e.getMessage().contains("is not a PyTorch checkpoint"), e.getMessage());
    }
}
