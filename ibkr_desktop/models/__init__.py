"""Qt item models and ring buffers fed by the client's batched signals (no widgets, no network)."""
