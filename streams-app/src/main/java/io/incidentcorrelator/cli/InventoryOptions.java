package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.inventory.Inventory;
import io.incidentcorrelator.collectors.inventory.InventoryFile;
import io.incidentcorrelator.collectors.inventory.InventoryFormatException;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the inventory YAML for the commands that use it; problems are usage errors naming the file. */
final class InventoryOptions {

    private InventoryOptions() {
    }

    static Inventory load(Path file) {
        try {
            return InventoryFile.load(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        } catch (InventoryFormatException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    static Inventory loadOrEmpty(Path file) {
        return file == null ? Inventory.empty() : load(file);
    }
}
