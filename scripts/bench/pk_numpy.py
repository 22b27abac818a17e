#!/usr/bin/env python3
"""Vectorised numpy implementation of the same closed form as netrx-pk, timed on the
workloads of the criterion bench `cargo bench -p netrx-pk --bench pk`:

  * steady-state trough of 1,000,000 virtual patients (de Wit 2016, 10 mg q24h);
  * full 28-day hourly profiles (673 points) of 100,000 virtual patients, summarised
    as the population mean profile (as netrx_pk::population::profile_summary does).

Model (shared/reference/pk.md §1.3): CL/F 17.4 L/h, Vc/F 25.2 L (IIV CV 35.1 % and 86.4 %,
omega^2 = ln(1 + CV^2)), Q/F 51.1 L/h, Vp/F 400 L, ka 0.647 /h. The textbook partial-fraction
closed form (pk.md §6.2, §6.4, §6.5) with beta by Vieta; patients drawn with numpy's PCG64.
Prints one JSON object with the best-of-N wall times (seconds) and checks the typical patient's
steady-state trough against pk.md §8 (12.880103 ng/mL).
"""
import json
import sys
import time

import numpy as np

CL, V1, Q, V2, KA = 17.4, 25.2, 51.1, 400.0, 0.647
OM_CL = np.log(1 + 0.351**2)
OM_V1 = np.log(1 + 0.864**2)
DOSE, TAU = 10.0, 24.0


def macro(cl, v1):
    k10 = cl / v1
    k12 = Q / v1
    k21 = Q / V2
    s = k10 + k12 + k21
    disc = (k10 + k12 - k21) ** 2 + 4 * k12 * k21
    alpha = 0.5 * (s + np.sqrt(disc))
    beta = k10 * k21 / alpha
    return k21, alpha, beta


def coefficients(cl, v1):
    k21, a, b = macro(cl, v1)
    ca = (k21 - a) / ((KA - a) * (b - a))
    cb = (k21 - b) / ((KA - b) * (a - b))
    ck = (k21 - KA) / ((a - KA) * (b - KA))
    return (a, ca), (b, cb), (KA, ck)


def ss_trough(cl, v1):
    out = 0.0
    for lam, c in coefficients(cl, v1):
        out = out + c * np.exp(-lam * TAU) / (-np.expm1(-lam * TAU))
    return DOSE * KA / v1 * 1000.0 * out


def draw(rng, n):
    cl = CL * np.exp(np.sqrt(OM_CL) * rng.standard_normal(n))
    v1 = V1 * np.exp(np.sqrt(OM_V1) * rng.standard_normal(n))
    return cl, v1


def troughs_1m(seed=42, n=1_000_000):
    rng = np.random.default_rng(seed)
    cl, v1 = draw(rng, n)
    return ss_trough(cl, v1)


def profiles_100k(seed=42, n=100_000, days=28, step=1.0, chunk=10_000):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, days * 24.0 + 1e-9, step)
    n_doses = int(np.ceil(days * 24.0 / TAU))
    m = np.minimum(np.floor(t / TAU) + 1, n_doses)
    tp = t - (m - 1) * TAU
    total = np.zeros_like(t)
    for start in range(0, n, chunk):
        k = min(chunk, n - start)
        cl, v1 = draw(rng, k)
        conc = np.zeros((k, t.size))
        for lam, c in coefficients(cl, v1):
            lam = np.broadcast_to(lam, (k,))[:, None]
            c = np.broadcast_to(c, (k,))[:, None]
            geo = -np.expm1(-m[None, :] * lam * TAU) / (-np.expm1(-lam * TAU))
            conc += c * np.exp(-lam * tp[None, :]) * geo
        conc *= (DOSE * KA / v1 * 1000.0)[:, None]
        conc[:, 0] = 0.0
        total += conc.sum(axis=0)
    return t, total / n


def best_of(f, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    typical = float(ss_trough(np.array([CL]), np.array([V1]))[0])
    assert abs(typical / 12.880103 - 1) < 1e-6, typical
    tr = troughs_1m()
    t, mean = profiles_100k()
    result = {
        "numpy": np.__version__,
        "typical_ss_trough_ng_ml": typical,
        "median_ss_trough_1m_ng_ml": float(np.median(tr)),
        "mean_conc_at_672h_ng_ml": float(mean[-1]),
        "ss_trough_1m_s": best_of(troughs_1m, repeats),
        "profiles_28d_hourly_100k_s": best_of(profiles_100k, repeats),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
