#!/usr/bin/env bash
# Build the macOS app and disk image:   packaging/build_macos.sh [--self-test]
#
#   dist/IBKR Desktop.app                   the app (PyInstaller BUNDLE in packaging/ibkr-desktop.spec)
#   dist/ibkr-desktop-<version>.dmg         drag-to-Applications disk image (hdiutil)
#
# Needs: macOS 11+, Python 3.11+ with the app and PyInstaller (PYTHON, default
# .venv/bin/python; pip install -e ".[packaging]"), hdiutil (part of macOS). The app is signed
# ad hoc by PyInstaller only: to hand it to others, sign it with a Developer ID and notarize it
# (codesign --deep --options runtime ...; xcrun notarytool submit ... --wait; xcrun stapler).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
started=$SECONDS

"$PYTHON" packaging/make_icons.py --out build/icons
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/ibkr-desktop.spec
APP="dist/IBKR Desktop.app"
echo "app: $APP ($(du -sh "$APP" | cut -f1)) after $((SECONDS - started)) s"

if [[ "${1:-}" == "--self-test" ]]; then
    QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/ibkr-desktop" --self-test
fi

VERSION="$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
STAGE="build/dmg"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="dist/ibkr-desktop-$VERSION.dmg"
hdiutil create -volname "IBKR Desktop" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "dmg: $DMG ($(du -h "$DMG" | cut -f1)) after $((SECONDS - started)) s"
