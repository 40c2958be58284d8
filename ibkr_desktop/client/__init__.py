"""I/O layer: the paced REST queue, the session keeper and the WebSocket worker (QtCore only)."""
