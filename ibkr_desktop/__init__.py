"""ibkr-desktop: a desktop trading client for the IBKR Client Portal Web API."""

__version__ = "0.1.0"
