"""One small presenter per feature: each wires the broker (via the BrokerHolder), the quote feed
and the notifier to its own models and widgets, and nothing else."""
