#!/usr/bin/env bash
# Issue 9 benchmark: netrx-pk (criterion, release) vs a vectorised numpy implementation
# of the same closed form, run in the same invocation; prints both times and the ratio.
#   bash scripts/bench/pk_bench.sh
# Needs python3 with numpy (pip install numpy). RAYON_NUM_THREADS may be set to pin threads.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
cargo bench -p netrx-pk --bench pk -- 'pk/(ss_trough|profiles)' 2>&1 | tee "$log" >&2
python3 scripts/bench/pk_numpy.py 3 > "$log.numpy.json"
python3 - "$log" "$log.numpy.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
numpy = json.load(open(sys.argv[2]))
unit = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
def crit(name):
    m = re.search(re.escape(name) + r"\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", text)
    if not m:
        sys.exit(f"no criterion result for {name}")
    return float(m.group(1)) * unit[m.group(2)]
rows = [("steady-state trough, 1,000,000 patients", "pk/ss_trough_1m_patients", "ss_trough_1m_s", 1.0),
        ("28-day hourly profiles, 100,000 patients", "pk/profiles_28d_hourly_100k_patients", "profiles_28d_hourly_100k_s", 2.0)]
print(f"numpy {numpy['numpy']}; typical SS trough (numpy) {numpy['typical_ss_trough_ng_ml']:.6f} ng/mL")
print(f"{'workload':44} {'netrx-pk':>10} {'numpy':>10} {'numpy/netrx':>12} {'target':>8}")
for label, cname, nkey, target in rows:
    r, n = crit(cname), numpy[nkey]
    print(f"{label:44} {r:>9.3f}s {n:>9.3f}s {n / r:>11.1f}x {'<' + str(target) + ' s':>8}")
PY
