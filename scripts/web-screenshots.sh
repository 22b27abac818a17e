#!/usr/bin/env bash
# Regenerate the screenshots of the user guide (docs/img/web-*.png) from the browser test.
#
# The end-to-end test (crates/netrx-cli/tests/web_browser.rs) drives Debian's headless
# chromium through chromedriver and saves a screenshot of every main page under
# target/artifacts/screenshots/ (also the CI artifact). This script runs it and copies the
# ones the guide shows, shrunk to a 256-colour palette when Python's Pillow is installed.
#
# Needs: chromium and chromium-driver (apt-get install -y chromium chromium-driver).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
src="$target/artifacts/screenshots"
CI=true cargo test -p netrx-cli --test web_browser -- --nocapture

shots=(01-login 02-cases 03-editor-error 04-board 05-board-options 05-board-toxicity
       05-board-response-tablet 05-board-pk 06-stale-save 07-evidence 08-evidence-forest
       08-evidence-compare 09-report)
mkdir -p docs/img
for s in "${shots[@]}"; do
  cp "$src/$s.png" "docs/img/web-$s.png"
done

# The report as printed (first page of the PDF the test prints), when poppler-utils is installed.
if command -v pdftoppm >/dev/null; then
  pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$src/09-report.pdf" docs/img/web-09-report-print
  shots+=(09-report-print)
fi

python3 - "${shots[@]}" <<'PY' || echo "(Pillow not available: screenshots copied unshrunk)"
import sys
from PIL import Image
for s in sys.argv[1:]:
    p = f"docs/img/web-{s}.png"
    Image.open(p).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(p, optimize=True)
PY
ls -l docs/img/web-*.png
