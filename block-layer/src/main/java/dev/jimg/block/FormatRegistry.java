package dev.jimg.block;

import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.ProbeInput;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The known format drivers, by name, and scored probing among them.
 *
 * <p>Probing asks every driver for a score and takes the highest; ties go to the driver
 * registered first, which only matters between drivers that both claim the same magic.
 */
public final class FormatRegistry {
    private final Map<String, FormatDriver> drivers = new LinkedHashMap<>();

    public FormatRegistry(Collection<? extends FormatDriver> drivers) {
        for (FormatDriver d : drivers) {
            if (this.drivers.putIfAbsent(d.name(), d) != null) {
                throw new IllegalArgumentException("two drivers named " + d.name());
            }
        }
    }

    /** The driver named {@code name}, or an {@link ImageException} "Unknown driver" as qemu-img says. */
    public FormatDriver require(String name) {
        FormatDriver d = drivers.get(name);
        if (d == null) {
            throw new ImageException("Unknown driver '" + name + "'");
        }
        return d;
    }

    public Optional<FormatDriver> find(String name) {
        return Optional.ofNullable(drivers.get(name));
    }

    public List<FormatDriver> all() {
        return List.copyOf(drivers.values());
    }

    /** The best-scoring driver for {@code input}; raw (score 1) when nothing else matches. */
    public Probe probe(ProbeInput input) {
        FormatDriver best = null;
        int bestScore = 0;
        for (FormatDriver d : drivers.values()) {
            int score = d.probe(input);
            if (score > bestScore) {
                best = d;
                bestScore = score;
            }
        }
        if (best == null) {
            throw new ImageException(input.filename(), "Could not determine the image format");
        }
        return new Probe(best, bestScore);
    }

    /** A probe's winner and its score. */
    public record Probe(FormatDriver driver, int score) {
    }
}
