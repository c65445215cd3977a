package dev.jimg.block;

/**
 * What {@code check} found, with the fields of qemu-img's {@code ImageCheck}. Counts that a
 * format does not track are -1 and left out of the output.
 *
 * @param corruptions         problems that make data wrong or unsafe to write
 * @param leaks               clusters allocated but unused
 * @param checkErrors         errors that stopped parts of the check (I/O, unreadable tables)
 * @param corruptionsFixed    corruptions repaired by this run
 * @param leaksFixed          leaks repaired by this run
 * @param imageEndOffset      the offset just past the last used host byte, or -1
 * @param totalClusters       clusters of guest address space, or -1
 * @param allocatedClusters   guest clusters with data in this image, or -1
 * @param fragmentedClusters  allocated clusters not following their predecessor, or -1
 * @param compressedClusters  compressed clusters, or -1
 */
public record CheckResult(long corruptions, long leaks, long checkErrors, long corruptionsFixed, long leaksFixed,
        long imageEndOffset, long totalClusters, long allocatedClusters, long fragmentedClusters,
        long compressedClusters) {

    public static CheckResult clean() {
        return new CheckResult(0, 0, 0, 0, 0, -1, -1, -1, -1, -1);
    }

    public boolean isClean() {
        return corruptions == 0 && leaks == 0 && checkErrors == 0;
    }

    /** qemu-img check's exit code: 0 clean, 1 check errors, 2 corruptions, 3 leaks only. */
    public int exitCode() {
        if (checkErrors > 0) {
            return 1;
        }
        if (corruptions > 0) {
            return 2;
        }
        if (leaks > 0) {
            return 3;
        }
        return 0;
    }
}
