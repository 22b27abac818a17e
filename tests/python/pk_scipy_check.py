#!/usr/bin/env python3
"""Independent check of `netrx pk at` against scipy's ODE solver (issue 9, deliverable 6).

The CLI evaluates the model for a patient (typical values plus covariates), so this check varies
what the CLI exposes — weight, interacting medication, Child-Pugh class, regimen and dosing history — builds the same two-compartment ODE
(CL/F scaled by (WT/70)^0.75 and the knowledge multipliers, Vc/F by WT/70), integrates it with
scipy.integrate.solve_ivp (DOP853, rtol 1e-12), and requires 1e-6 relative agreement.

Usage: python3 tests/python/pk_scipy_check.py [path/to/netrx]   (exit 0 = pass; 77 = scipy absent)
"""
import json
import os
import random
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from scipy.integrate import solve_ivp
except ImportError:  # optional check
    print("scipy not available: skipped")
    sys.exit(77)

NETRX = sys.argv[1] if len(sys.argv) > 1 else "target/debug/netrx"
CL, V1, Q, V2, KA = 17.4, 25.2, 51.1, 400.0, 0.647
AUC_RATIO = {"verapamil": 3.5, "erythromycin": 4.4, "rifampicin": 0.37, None: 1.0}
CHILD_PUGH = {"A": 1.60, "B": 3.26, "C": 3.64, None: 1.0}


def ode_conc(cl, v1, doses, times):
    k10, k12, k21 = cl / v1, Q / v1, Q / V2

    def rhs(_t, y):
        return [-KA * y[0], KA * y[0] - (k10 + k12) * y[1] + k21 * y[2], k12 * y[1] - k21 * y[2]]

    events = sorted([(d["time_h"], d["dose_mg"]) for d in doses] + [(t, None) for t in times], key=lambda e: (e[0], e[1] is not None))
    y, t0, out = np.zeros(3), 0.0, {}
    for te, dose in events:
        if te > t0:
            sol = solve_ivp(rhs, (t0, te), y, method="DOP853", rtol=1e-12, atol=1e-16)
            y, t0 = sol.y[:, -1], te
        if dose is None:
            out[te] = y[1] / v1 * 1000.0
        else:
            y = y.copy()
            y[0] += dose
    return [out[t] for t in times]


def netrx_at(args):
    r = subprocess.run([NETRX, "pk", "at", *args, "--json"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["conc_ng_ml"]


def main():
    rng = random.Random(11)
    tmpdir = tempfile.mkdtemp(prefix="netrx_pk_scipy_")
    worst = 0.0
    for case in range(12):
        wt = round(rng.uniform(45, 120), 1)
        med = rng.choice(list(AUC_RATIO))
        cp = rng.choice(list(CHILD_PUGH))
        doses, dose, t = [], rng.choice([2.5, 5.0, 7.5, 10.0]), 0.0
        for _day in range(rng.randint(2, 9)):
            if rng.random() > 0.15:
                doses.append({"time_h": round(t + rng.uniform(-1.5, 1.5) + 2, 3), "dose_mg": dose})
            if rng.random() < 0.2:
                dose = rng.choice([2.5, 5.0, 7.5, 10.0])
            t += 24.0
        if not doses:
            doses = [{"time_h": 2.0, "dose_mg": dose}]
        times = sorted({round(rng.uniform(0.5, t + 24), 3) for _ in range(8)})
        path = os.path.join(tmpdir, f"history_{case}.json")
        with open(path, "w") as fh:
            json.dump(doses, fh)
        args = ["--history", path, "--weight", str(wt), "--times-h", ",".join(map(str, times))]
        if med:
            args += ["--comedication", med]
        if cp:
            args += ["--child-pugh", cp]
        got = netrx_at(args)
        cl = CL * (wt / 70.0) ** 0.75 / AUC_RATIO[med] / CHILD_PUGH[cp]
        want = ode_conc(cl, V1 * wt / 70.0, doses, times)
        for g, w, tt in zip(got, want, times):
            if w < 1e-9:
                ok = abs(g - w) < 1e-9
            else:
                rel = abs(g - w) / w
                worst = max(worst, rel)
                ok = rel < 1e-6
            if not ok:
                print(f"FAIL case {case} t={tt}: netrx {g} vs scipy {w}")
                sys.exit(1)
    print(f"netrx pk at vs scipy DOP853: 12 cases, worst relative difference {worst:.2e}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
