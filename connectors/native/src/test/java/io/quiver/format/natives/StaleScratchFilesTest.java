package io.quiver.format.natives;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporary row-group files left by a crashed process are deleted when a decoder starts. */
class StaleScratchFilesTest {
  @TempDir Path scratch;

  @Test
  void filesOfStoppedProcessesGoFilesOfLiveOnesStay() throws Exception {
    Process done = new ProcessBuilder("true").start();
    done.waitFor();
    long deadPid = done.pid();
    Path stale =
        Files.writeString(scratch.resolve("quiver-rowgroup-p" + deadPid + "-1.parquet"), "x");
    Path mine = Files.writeString(scratch.resolve(RowGroupExtract.TEMP_PREFIX + "2.parquet"), "y");
    Path other = Files.writeString(scratch.resolve("unrelated.parquet"), "z");
    new NativeParquetDecoder(scratch);
    assertFalse(Files.exists(stale), "a stopped process's file is deleted");
    assertTrue(Files.exists(mine), "a live process's file stays");
    assertTrue(Files.exists(other), "other files are not touched");
  }
}
