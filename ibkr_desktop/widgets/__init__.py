"""Qt widgets: read models, call the broker; never touch the network."""
