"""`python -m ibkr_desktop` starts the desktop app."""

from ibkr_desktop.app.main import main

raise SystemExit(main())
