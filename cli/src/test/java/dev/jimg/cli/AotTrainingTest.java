package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher records its AOT caches from these runs; a command line in them that failed would
 * leave its classes out of the cache, unnoticed but for a slower start.
 */
class AotTrainingTest {
    @TempDir
    Path dir;

    @Test
    void everyTrainingCommandOfTheQuickCacheSucceedsAndTheScratchFilesGo() throws Exception {
        Path scratch = dir.resolve("quick");
        assertEquals(List.of(), AotTraining.train(false, scratch));
        assertFalse(Files.exists(scratch));
    }

    @Test
    void everyTrainingCommandOfTheFullCacheSucceedsAcrossAllFormats() throws Exception {
        Path scratch = dir.resolve("full");
        assertEquals(List.of(), AotTraining.train(true, scratch));
        assertFalse(Files.exists(scratch));
    }

    @Test
    void extraCommandLinesAreRunButNotJudged() throws Exception {
        List<String> failures = AotTraining.train(false, dir.resolve("extra"), "info");
        assertEquals(List.of(), failures, "extra command lines are the caller's: their exit codes are not judged");
    }
}
