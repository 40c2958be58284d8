"""Chart windows: candles, volume, time axis, overlays of the trader's orders (issue 10)."""
