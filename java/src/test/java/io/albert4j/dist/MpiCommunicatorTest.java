package io.albert4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.testing.MpiRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Open MPI through Panama: two ranks run {@link MpiCollectivesMain} and agree on every result. */
class MpiCommunicatorTest {
    @Test
    void twoRanksSumGatherAndAgree(@TempDir Path dir) throws Exception {
        MpiRun.assumeAvailable();
        MpiRun.Result job = MpiRun.run(2, Duration.ofSeconds(60), List.of(), MpiCollectivesMain.class,
                dir.toString());
        assertEquals(0, job.exitCode(), job.output());
        for (int rank = 0; rank < 2; rank++) {
            String r = "rank " + rank + ": ";
            String output = Files.readString(dir.resolve("rank-" + rank + ".txt"));
            assertTrue(output.contains(r + "size 2 Open MPI"), output);
            // (1·(i mod 1000) + 0.25) + (2·(i mod 1000) + 0.25) at i = 0, 999 and 2^24 + 2 (past one MPI call).
            assertTrue(output.contains(r + "tensor 0.5 2997.5 654.5"), output);
            assertTrue(output.contains(r + "doubles [3.0, 10.0]"), output);
            assertTrue(output.contains(r + "gather [0, 0, 1, -1]"), output);
            assertTrue(output.contains(r + "agree true false"), "rank 1 disagreed: " + output);
        }
    }

    @Test
    void oneProcessIsItsOwnWorld() {
        Communicator one = SingleProcess.INSTANCE;
        assertEquals(0, one.rank());
        assertEquals(1, one.size());
        double[] values = {1.5, -2};
        one.allReduceSum(values);
        assertEquals(List.of(1.5, -2.0), List.of(values[0], values[1]));
        assertEquals(List.of(7L), java.util.Arrays.stream(one.allGather(new long[] {7})).boxed().toList());
        assertTrue(one.allAgree(true));
        assertTrue(!one.allAgree(false));
        assertTrue(!Communicators.launchedByMpi(java.util.Map.of()));
        assertTrue(Communicators.launchedByMpi(java.util.Map.of("OMPI_COMM_WORLD_SIZE", "2")));
        assertEquals(1, Communicators.localRank(java.util.Map.of("OMPI_COMM_WORLD_LOCAL_RANK", "1")));
    }
}
