"""Stylesheets and icons, installed as the ibkr_desktop.resources package."""
