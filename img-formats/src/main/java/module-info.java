/**
 * The format drivers. Only {@link dev.jimg.formats.Formats} is public API: everything a caller
 * needs from an image goes through {@link dev.jimg.block.BlockNode} and its capabilities.
 */
module dev.jimg.formats {
    requires transitive dev.jimg.block;
    requires com.github.luben.zstd_jni;

    exports dev.jimg.formats;
}
