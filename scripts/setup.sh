#!/usr/bin/env bash
# Installs everything wenshu needs on a fresh Debian machine: system packages (when missing),
# a virtualenv in .venv and the project itself (editable). Safe to run again: it only does
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-osd   # OCR engine + Chinese model + orientation
  fonts-noto-cjk fonts-wqy-zenhei                         # CJK fonts for samples and rendering
  poppler-utils                                           # pdftoppm/pdftotext for checks and reports
  libgl1 libglib2.0-0                                     # needed by opencv inside RapidOCR
  chromium                                                # the browser tests (Playwright drives it: tests/web/browser)
)

# Search inside PostgreSQL ranks from a RUM index (docs/search.md): when a PostgreSQL server is
# installed on this machine, its RUM extension is installed beside it. (A server elsewhere needs
# the package there; without it wenshu falls back to GIN.)
if command -v dpkg-query >/dev/null 2>&1; then
  for server in $(dpkg-query -W -f='${Package} ${Status}\n' 'postgresql-[0-9]*' 2>/dev/null |
                  awk '$1 ~ /^postgresql-[0-9]+$/ && /install ok installed/ {print $1}'); do
    DEBIAN_PACKAGES+=("$server-rum")
  done
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$candidate; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "setup: Python >= 3.11 is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when the dependency list changed since the last successful install.
stamp=.venv/.wenshu-installed
if [ ! -f "$stamp" ] || ! cmp -s pyproject.toml "$stamp"; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  cp pyproject.toml "$stamp"
fi
