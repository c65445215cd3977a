/**
 * The format drivers. Only {@link dev.jimg.formats.Formats} is public API: everything a caller
 * needs from an image goes through {@link dev.jimg.block.BlockNode} and its capabilities.
 */
module dev.jimg.formats {
    requires transitive dev.jimg.block;
    // OVA descriptors (OVF) are XML; tar archives and the codecs of compressed sources.
    requires java.xml;
    requires org.apache.commons.compress;
    requires org.tukaani.xz;
    requires com.github.luben.zstd_jni;

    exports dev.jimg.formats;
}
