package dev.jimg.block;

import java.util.Map;
import java.util.TreeMap;

/**
 * How an image is opened. Immutable; build one with {@link #builder()} or adjust with
 * {@link #toBuilder()}.
 *
 * @param readOnly          refuse every write; the file is opened read-only
 * @param cache             see {@link CacheMode}
 * @param discard           whether discards reach the image
 * @param detectZeroes      whether all-zero writes become zero writes
 * @param forceShare        open even if another program holds the image (qemu-img's {@code -U})
 * @param noBacking         do not open the backing file (qemu-img's {@code rebase -u}, {@code info}
 *                          of an image whose backing file is missing still lists it)
 * @param allowExternalPaths let metadata (a VMDK descriptor's extents) name files outside the
 *                          image's own directory; off unless the user asks, so that a hostile
 *                          descriptor cannot make jimg read a host file
 * @param driverOptions     format-specific open options ({@code cache-size=…}), unknown keys are
 *                          rejected by the driver
 */
public record OpenOptions(
        boolean readOnly,
        CacheMode cache,
        DiscardMode discard,
        DetectZeroes detectZeroes,
        boolean forceShare,
        boolean noBacking,
        boolean allowExternalPaths,
        Map<String, String> driverOptions) {

    public OpenOptions {
        if (cache == null || discard == null || detectZeroes == null) {
            throw new IllegalArgumentException("cache, discard and detectZeroes must be set");
        }
        driverOptions = Map.copyOf(driverOptions);
    }

    /**
     * Read-write, writeback, discards passed down, no zero detection: what qemu-img's own verbs
     * use. (QEMU's {@code -drive} ignores guest discards unless {@code discard=unmap}; the
     * emulator's drive options say so explicitly.)
     */
    public static OpenOptions defaults() {
        return builder().build();
    }

    public static OpenOptions readOnlyDefaults() {
        return builder().readOnly(true).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.readOnly = readOnly;
        b.cache = cache;
        b.discard = discard;
        b.detectZeroes = detectZeroes;
        b.forceShare = forceShare;
        b.noBacking = noBacking;
        b.allowExternalPaths = allowExternalPaths;
        b.driverOptions.putAll(driverOptions);
        return b;
    }

    /** Options for a backing node: read-only, no zero detection, same cache and sharing rules. */
    public OpenOptions forBacking() {
        return toBuilder().readOnly(true).detectZeroes(DetectZeroes.OFF).noBacking(false)
                .driverOptions(Map.of()).build();
    }

    public static final class Builder {
        private boolean readOnly;
        private CacheMode cache = CacheMode.WRITEBACK;
        private DiscardMode discard = DiscardMode.UNMAP;
        private DetectZeroes detectZeroes = DetectZeroes.OFF;
        private boolean forceShare;
        private boolean noBacking;
        private boolean allowExternalPaths;
        private final Map<String, String> driverOptions = new TreeMap<>();

        private Builder() {
        }

        public Builder readOnly(boolean value) {
            this.readOnly = value;
            return this;
        }

        public Builder cache(CacheMode value) {
            this.cache = value;
            return this;
        }

        public Builder discard(DiscardMode value) {
            this.discard = value;
            return this;
        }

        public Builder detectZeroes(DetectZeroes value) {
            this.detectZeroes = value;
            return this;
        }

        public Builder forceShare(boolean value) {
            this.forceShare = value;
            return this;
        }

        public Builder noBacking(boolean value) {
            this.noBacking = value;
            return this;
        }

        public Builder allowExternalPaths(boolean value) {
            this.allowExternalPaths = value;
            return this;
        }

        public Builder driverOptions(Map<String, String> options) {
            driverOptions.clear();
            driverOptions.putAll(options);
            return this;
        }

        public Builder driverOption(String key, String value) {
            driverOptions.put(key, value);
            return this;
        }

        public OpenOptions build() {
            return new OpenOptions(readOnly, cache, discard, detectZeroes, forceShare, noBacking,
                    allowExternalPaths, driverOptions);
        }
    }
}
