#!/usr/bin/env python3
"""Cox benchmark: netrx vs R survival (coxph) vs lifelines (CoxPHFitter) on identical data.

Generates the data once (perf_gen.py's model and seed: 10 N(0,1) covariates, day-rounded
times, PCG64 seed 20240611) as raw float64 files, then in the same run times, single-threaded:
  * netrx   `cox::fit` (benches/cox_perf.rs, release build), with and without the concordance;
  * R       `coxph(Surv ~ X)` (matrix interface; includes the concordance) and the bare
            `coxph.fit` core; Debian r-cran-survival 3.5-3, reference BLAS;
  * lifelines `CoxPHFitter().fit` (Efron; OPENBLAS/OMP threads = 1).
Each tool runs in its own process under /usr/bin/time -v (peak RSS). The coefficients are
compared (max |Δβ| against R) and the time ratios printed as a markdown table.

Usage:  python3 scripts/bench/cox_vs_r.py [--sizes 100000,1000000] [--data DIR] [--ties efron]
Needs:  python3 with numpy + pandas + lifelines (pip install lifelines), Rscript with survival
        (apt-get install -y r-cran-survival), /usr/bin/time (apt-get install -y time), cargo.
"""
import argparse, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

R_CODE = r'''
suppressMessages(library(survival))
a <- commandArgs(TRUE); f <- a[1]; n <- as.integer(a[2]); tie <- a[3]
con <- file(f, "rb"); M <- matrix(readBin(con, "double", n * 12, size = 8, endian = "little"), n, 12); close(con)
X <- M[, 1:10]; colnames(X) <- paste0("x", 1:10); y <- Surv(M[, 11], M[, 12])
t1 <- system.time(fit <- coxph(y ~ X, ties = tie))[["elapsed"]]
t2 <- system.time(core <- coxph.fit(X, y, strata = NULL, offset = NULL, init = NULL, control = coxph.control(),
                                    weights = NULL, method = tie, rownames = NULL))[["elapsed"]]
cat(sprintf("R coxph %.3f\nR core %.3f\n", t1, t2))
cat("R iter", fit$iter, "loglik", sprintf("%.6f", fit$loglik[2]), "\n")
cat("R coef", sprintf("%.15g", coef(fit)), "\n")
cat("R concordance", sprintf("%.9f", fit$concordance[["concordance"]]), "\n")
'''

PY_CODE = r'''
import sys, time, numpy as np, pandas as pd, warnings
warnings.simplefilter("ignore")
from lifelines import CoxPHFitter
f, n = sys.argv[1], int(sys.argv[2])
M = np.fromfile(f, dtype="<f8").reshape(12, n).T
df = pd.DataFrame(M[:, :10], columns=[f"x{i}" for i in range(1, 11)]); df["time"] = M[:, 10]; df["status"] = M[:, 11]
t0 = time.perf_counter(); c = CoxPHFitter().fit(df, "time", "status"); el = time.perf_counter() - t0
print(f"lifelines fit {el:.3f}")
print("lifelines loglik %.6f" % c.log_likelihood_)
print("lifelines coef " + " ".join("%.15g" % v for v in c.params_.values))
'''


def timed(cmd, env=None):
    """Run under /usr/bin/time -v; return (stdout, peak RSS in MB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.stdout, (int(m.group(1)) / 1024 if m else float("nan"))


def grab(pattern, text, cast=float):
    m = re.search(pattern, text)
    return cast(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--data", default=os.environ.get("NETRX_BENCH_DATA", os.path.join(tempfile.gettempdir(), "netrx-perfdata")))
    ap.add_argument("--ties", default="efron", choices=["efron", "breslow"])
    ap.add_argument("--skip-lifelines", action="store_true")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    os.makedirs(a.data, exist_ok=True)

    # 1. data, once (perf_gen.py's generator; only the Cox files)
    sys.path.insert(0, HERE)
    import numpy as np
    from perf_gen import make
    for n in sizes:
        f = os.path.join(a.data, f"perf_{n}_days.bin")
        if not os.path.exists(f):
            X, t, e = make(n, "days")
            np.concatenate([X.T.ravel(), t, e]).astype("<f8").tofile(f)
            print(f"generated {f}: events {int(e.sum())}, distinct times {len(np.unique(t))}", file=sys.stderr)

    # 2. the netrx timing binary (release)
    b = subprocess.run(["cargo", "bench", "-p", "netrx-stats", "--bench", "cox_perf", "--no-run"],
                       cwd=ROOT, capture_output=True, text=True)
    m = re.search(r"\((target/[^)]*cox_perf-[0-9a-f]+)\)", b.stdout + b.stderr)
    if b.returncode != 0 or not m:
        sys.stderr.write(b.stdout + b.stderr)
        raise SystemExit("could not build benches/cox_perf.rs")
    exe = os.path.join(ROOT, m.group(1))

    env1 = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rfile = os.path.join(a.data, "cox_bench.R"); open(rfile, "w").write(R_CODE)
    pfile = os.path.join(a.data, "cox_bench_lifelines.py"); open(pfile, "w").write(PY_CODE)
    rversion = subprocess.run(["Rscript", "-e", "cat(R.version.string, 'survival', as.character(packageVersion('survival')))"],
                              capture_output=True, text=True).stdout.strip()
    rows = []
    for n in sizes:
        f = os.path.join(a.data, f"perf_{n}_days.bin")
        out_n, rss_n = timed([exe, f, str(n), a.ties], env1)
        out_r, rss_r = timed(["Rscript", rfile, f, str(n), a.ties], env1)
        t_n_full = grab(r"with concordance \(as coxph\(\)\)[^:]*: elapsed ([\d.]+)", out_n)
        t_n_core = grab(r"fit without concordance[^:]*: elapsed ([\d.]+)", out_n)
        t_r_full = grab(r"R coxph ([\d.]+)", out_r)
        t_r_core = grab(r"R core ([\d.]+)", out_r)
        coef_n = [float(v) for v in re.search(r"coef\[1:10\] (.*)", out_n).group(1).split()]
        coef_r = [float(v) for v in re.search(r"R coef (.*)", out_r).group(1).split()]
        ll_n = grab(r"loglik (-?[\d.]+)", out_n)
        ll_r = grab(r"R iter \d+ loglik (-?[\d.]+)", out_r)
        row = dict(n=n, ties=a.ties, netrx_full=t_n_full, netrx_core=t_n_core, r_coxph=t_r_full, r_core=t_r_core,
                   rss_netrx_mb=rss_n, rss_r_mb=rss_r, max_abs_dcoef_vs_r=max(abs(x - y) for x, y in zip(coef_n, coef_r)),
                   loglik_netrx=ll_n, loglik_r=ll_r,
                   conc_netrx=grab(r"concordance ([\d.]+)", out_n), conc_r=grab(r"R concordance ([\d.]+)", out_r))
        if not a.skip_lifelines and a.ties == "efron":
            out_p, rss_p = timed([sys.executable, pfile, f, str(n)], env1)
            coef_p = [float(v) for v in re.search(r"lifelines coef (.*)", out_p).group(1).split()]
            row.update(lifelines=grab(r"lifelines fit ([\d.]+)", out_p), rss_lifelines_mb=rss_p,
                       max_abs_dcoef_lifelines_vs_r=max(abs(x - y) for x, y in zip(coef_p, coef_r)))
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)

    la = os.getloadavg()
    print(f"\n{rversion}; lifelines via {sys.executable}; netrx release build, single thread; "
          f"load average at the end {la[0]:.1f} / {la[1]:.1f} / {la[2]:.1f} on {os.cpu_count()} cores\n")
    print("| rows × 10 cov, ties | netrx fit (+concordance) | R coxph() | ratio R/netrx | netrx core | R coxph.fit core | ratio | lifelines | ratio lifelines/netrx | peak RSS netrx / R / lifelines | max abs Δβ vs R (netrx; lifelines) | loglik netrx / R |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        lf = r.get("lifelines")
        print(f"| {r['n']:,} days, {r['ties']} | {r['netrx_full']:.3f} s | {r['r_coxph']:.2f} s | {r['r_coxph']/r['netrx_full']:.1f}× "
              f"| {r['netrx_core']:.3f} s | {r['r_core']:.2f} s | {r['r_core']/r['netrx_core']:.1f}× "
              f"| {('%.2f s' % lf) if lf else 'n/a'} | {('%.1f×' % (lf / r['netrx_full'])) if lf else 'n/a'} "
              f"| {r['rss_netrx_mb']:.0f} / {r['rss_r_mb']:.0f} / {r.get('rss_lifelines_mb', float('nan')):.0f} MB "
              f"| {r['max_abs_dcoef_vs_r']:.1e}; {r.get('max_abs_dcoef_lifelines_vs_r', float('nan')):.1e} "
              f"| {r['loglik_netrx']:.6f} / {r['loglik_r']:.6f} |")


if __name__ == "__main__":
    main()
