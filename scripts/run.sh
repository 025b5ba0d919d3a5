#!/usr/bin/env bash
# The main job on the embedded default (SQLite + local whoosh index + ./wenshu-data):
# initialise the data directory, register the sample documents, print the registration log.
set -euo pipefail
cd "$(dirname "$0")/.."
WENSHU=.venv/bin/wenshu
$WENSHU init
mapfile -t files < <(find samples -maxdepth 1 -type f ! -name '*.expected.txt' ! -name '*.md' \
                       ! -name '*.py' ! -name '.*' | sort)
# Quarantined samples (the corrupt, encrypted and empty ones) are expected: exit 4 is fine here.
$WENSHU ingest "${files[@]}" || [ $? -eq 4 ]
$WENSHU log
$WENSHU audit verify
