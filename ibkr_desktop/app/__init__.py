"""Wiring: command line, QApplication, qasync loop, main window."""
