package dev.jimg.cli.convert;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.CopyOffload;
import java.io.IOException;
import java.nio.ByteBuffer;

/** One write {@link Converter} prepared and issues when it is the item's turn. */
sealed interface Write {
    void apply(BlockNode target) throws IOException;

    record Data(long offset, ByteBuffer data) implements Write {
        @Override
        public void apply(BlockNode target) throws IOException {
            target.write(offset, data.duplicate());
        }
    }

    /**
     * Data the target copies from the source itself as far as it can ({@link CopyOffload});
     * {@code data} holds the same bytes, read to look for zeroes, and is written for the rest.
     */
    record Copy(CopyOffload copier, BlockNode source, long srcOffset, long offset, ByteBuffer data) implements Write {
        @Override
        public void apply(BlockNode target) throws IOException {
            long copied = copier.copyFrom(source, srcOffset, offset, data.remaining());
            if (copied < data.remaining()) {
                target.write(offset + copied, data.duplicate().position(data.position() + (int) copied));
            }
        }
    }

    record Zero(long offset, long length, boolean mayUnmap) implements Write {
        @Override
        public void apply(BlockNode target) throws IOException {
            target.writeZeroes(offset, length, mayUnmap);
        }
    }

    record Compressed(CompressedWrites target, long offset, byte[] bytes) implements Write {
        @Override
        public void apply(BlockNode node) throws IOException {
            target.writeCompressed(offset, bytes);
        }
    }
}
