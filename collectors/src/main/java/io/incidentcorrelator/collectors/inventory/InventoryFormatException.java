package io.incidentcorrelator.collectors.inventory;

/** An inventory file that cannot be used; the message is {@code FILE: path.to.field: reason}. */
public final class InventoryFormatException extends Exception {

    InventoryFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
