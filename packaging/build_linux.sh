#!/usr/bin/env bash
# Build the Linux bundle and .deb:   packaging/build_linux.sh [--self-test]
#
#   dist/ibkr-desktop/ibkr-desktop      one-folder PyInstaller bundle (packaging/ibkr-desktop.spec)
#   dist/ibkr-desktop_<version>_<arch>.deb
#        /opt/ibkr-desktop/…            the bundle
#        /usr/bin/ibkr-desktop          -> /opt/ibkr-desktop/ibkr-desktop
#        /usr/share/applications/ibkr-desktop.desktop   "IBKR Desktop" in the application menu
#        /usr/share/icons/hicolor/<size>/apps/ibkr-desktop.{png,svg}
#
# --self-test then runs the bundle's --self-test (offscreen, scratch profile) and fails if it
# does. Needs: PyInstaller in the Python used (PYTHON, default .venv/bin/python; install with
# pip install -e ".[packaging]"), dpkg-deb and fakeroot (or root). Prints sizes and timings.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
SELF_TEST=0
[[ "${1:-}" == "--self-test" ]] && SELF_TEST=1
cd "$ROOT"
started=$SECONDS

"$PYTHON" -m PyInstaller --version >/dev/null 2>&1 || {
    echo "PyInstaller missing: $PYTHON -m pip install -e '.[packaging]'" >&2; exit 2; }
command -v dpkg-deb >/dev/null || { echo "dpkg-deb missing (apt-get install dpkg)" >&2; exit 2; }

echo "== bundle (PyInstaller)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/ibkr-desktop.spec
BUNDLE=dist/ibkr-desktop
echo "bundle: $BUNDLE/ibkr-desktop ($(du -sh "$BUNDLE" | cut -f1)) after $((SECONDS - started)) s"

echo "== .deb"
VERSION="$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(dpkg --print-architecture)"
LIBC="$(dpkg-query -W -f='${Version}' libc6 2>/dev/null | sed 's/-.*//' || true)"
STAGE="build/deb/ibkr-desktop_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications"
cp -a "$BUNDLE" "$STAGE/opt/ibkr-desktop"
ln -s /opt/ibkr-desktop/ibkr-desktop "$STAGE/usr/bin/ibkr-desktop"
install -m 644 packaging/linux/ibkr-desktop.desktop "$STAGE/usr/share/applications/"
for png in resources/icons/ibkr-desktop-*.png; do
    size="${png##*-}"; size="${size%.png}"
    install -D -m 644 "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/ibkr-desktop.png"
done
install -D -m 644 resources/icons/ibkr-desktop.svg \
    "$STAGE/usr/share/icons/hicolor/scalable/apps/ibkr-desktop.svg"
install -m 755 packaging/linux/postinst "$STAGE/DEBIAN/"
SIZE_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE_KB@/$SIZE_KB/" \
    -e "s/@LIBC@/${LIBC:-2.31}/" packaging/linux/control.in > "$STAGE/DEBIAN/control"
DEB="dist/ibkr-desktop_${VERSION}_${ARCH}.deb"
FAKEROOT=""
[[ "$(id -u)" != 0 ]] && FAKEROOT=fakeroot
$FAKEROOT dpkg-deb --root-owner-group -Zgzip -z6 --build "$STAGE" "$DEB" >/dev/null
echo "deb: $DEB ($(du -h "$DEB" | cut -f1), installs $((SIZE_KB / 1024)) MB) after $((SECONDS - started)) s"

if ((SELF_TEST)); then
    echo "== self-test of the bundle"
    QT_QPA_PLATFORM=offscreen "$BUNDLE/ibkr-desktop" --self-test
fi
echo "done in $((SECONDS - started)) s"
