"""A local simulator of the IBKR Client Portal Gateway (REST + WebSocket); uses only protocol/."""
