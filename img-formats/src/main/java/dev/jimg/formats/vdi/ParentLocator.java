package dev.jimg.formats.vdi;

import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the parent of a VirtualBox differencing image. The child names its parent only by UUID;
 * VirtualBox keeps the mapping in its media registry, which jimg does not read. Instead we look
 * where VirtualBox puts the files: snapshot disks live in {@code <VM>/Snapshots/{uuid}.vdi}, their
 * parents either beside them (a snapshot of a snapshot) or in {@code <VM>/} (the base disk).
 *
 * <p>Only those two directories are searched, and a candidate that is a symbolic link leading
 * out of them is skipped, so a crafted child cannot make jimg open a file elsewhere on the host
 * unless the user allows external paths.
 */
final class ParentLocator {
    /** VirtualBox's name for a VM's snapshot folder. */
    static final String SNAPSHOTS_DIR = "Snapshots";
    /** A directory with more entries than this is not a VM folder; stop rather than read them all. */
    static final int MAX_CANDIDATES = 4096;

    private ParentLocator() {
    }

    /** The parent found, as a path and as the name to store relative to the child's directory. */
    record Found(Path path, String relativeName) {
    }

    /**
     * Searches for the image whose {@code uuid_image} is {@code parentUuid}.
     *
     * @param child            the differencing image's path
     * @param allowExternal    whether symbolic links out of the searched directories may be followed
     */
    static Found find(Path child, String childName, byte[] parentUuid, boolean allowExternal) throws IOException {
        Path dir = child.toAbsolutePath().normalize().getParent();
        List<Path> dirs = new ArrayList<>();
        dirs.add(dir);
        Path vmDir = dir.getParent();
        if (vmDir != null && dir.getFileName() != null && dir.getFileName().toString().equals(SNAPSHOTS_DIR)) {
            dirs.add(vmDir);
        }
        Path self = child.toAbsolutePath().normalize();
        for (Path d : dirs) {
            Path hit = searchDirectory(d, self, parentUuid, allowExternal);
            if (hit != null) {
                String rel = d.equals(dir) ? hit.getFileName().toString() : "../" + hit.getFileName();
                return new Found(hit, rel);
            }
        }
        throw new ImageException(childName, "Could not find the parent of this differencing image (UUID "
                + VdiHeader.VdiUuid.format(parentUuid) + ") beside it" + (dirs.size() > 1 ? " or in the VM folder '"
                + vmDir.getFileName() + "'" : ""));
    }

    private static Path searchDirectory(Path dir, Path self, byte[] uuid, boolean allowExternal) throws IOException {
        Path realDir = dir.toRealPath();
        int seen = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (++seen > MAX_CANDIDATES) {
                    break;
                }
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (!name.endsWith(".vdi") || p.toAbsolutePath().normalize().equals(self)
                        || !Files.isRegularFile(p)) {
                    continue;
                }
                if (!allowExternal && !p.toRealPath().getParent().equals(realDir)) {
                    continue;
                }
                if (hasUuid(p, uuid)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static boolean hasUuid(Path p, byte[] uuid) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(VdiHeader.SIZE);
            while (head.hasRemaining() && ch.read(head) > 0) {
                // keep reading
            }
            byte[] bytes = head.array();
            if (head.hasRemaining() || !VdiHeader.hasSignature(bytes)) {
                return false;
            }
            byte[] candidate = new byte[16];
            System.arraycopy(bytes, 0x188, candidate, 0, 16);
            return VdiHeader.VdiUuid.same(candidate, uuid);
        } catch (java.nio.file.AccessDeniedException e) {
            return false;
        }
    }
}
