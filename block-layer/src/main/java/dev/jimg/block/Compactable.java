package dev.jimg.block;

import java.io.IOException;

/**
 * Giving back host space that an image holds for data the guest no longer has: blocks that read
 * as all zeroes are dropped from the image's map and the remaining data is packed so that the
 * file can be truncated (VirtualBox's {@code VBoxManage modifymedium --compact}). qemu-img has no
 * equivalent; formats whose allocation unit cannot move (qcow2 rewrites instead) do not offer it.
 */
public interface Compactable {

    /**
     * Compacts the image in place.
     *
     * @return the number of bytes by which the image file shrank
     */
    long compact(ProgressListener progress) throws IOException;
}
