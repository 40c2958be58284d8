"""Model tests that need a live broker use the client tests' fixtures: `gateway_config` (the fast
demo) and `broker` (a started Broker on it)."""

from tests.client.conftest import broker, gateway_config  # noqa: F401  (fixtures, found by name)
