"""The bundle's entry script (PyInstaller runs it as ``__main__``): start the desktop app."""

from ibkr_desktop.app.main import main

raise SystemExit(main())
