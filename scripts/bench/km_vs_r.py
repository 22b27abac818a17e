#!/usr/bin/env python3
"""Kaplan-Meier and log-rank benchmark: netrx vs R survival (survfit/survdiff) vs lifelines on
identical data, in the same run.

Generates the data once with perf_gen.py's KM model and seeds (10,000,000 rows; exponential
mean 365 vs uniform(0, 1095) censoring; "days" = rounded up to whole days, PCG64 seed 7;
"cont" = continuous times, PCG64 seed 8) as raw float64 files, then times, single-threaded,
each tool in its own process under /usr/bin/time -v (peak RSS):
  * netrx     survfit() on all rows, survdiff() on the first 1,000,000 rows and on all rows
              (benches/km_perf.rs, release build; first run reported, best of 3 shown too);
  * R         survfit(Surv ~ 1) (conf.type log, se.fit = TRUE: the same outputs) and
              survdiff(Surv ~ g), Debian r-cran-survival 3.5-3;
  * lifelines KaplanMeierFitter().fit and logrank_test (OPENBLAS/OMP threads = 1).
Groups for the log-rank test alternate row by row (R: g <- rep(1:2, length.out = n)).
Results are compared (distinct times, median, S(365), chi-square) and the ratios printed as a
markdown table.

Usage:  python3 scripts/bench/km_vs_r.py [--data DIR] [--which days,cont] [--skip-lifelines]
Needs:  python3 with numpy + pandas + lifelines (pip install lifelines), Rscript with survival
        (apt-get install -y r-cran-survival), /usr/bin/time (apt-get install -y time), cargo.
"""
import argparse, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
N = 10_000_000
N_LR = 1_000_000

R_CODE = r'''
suppressMessages(library(survival))
a <- commandArgs(TRUE); f <- a[1]; n <- as.integer(a[2]); nlr <- as.integer(a[3])
con <- file(f, "rb"); M <- matrix(readBin(con, "double", n * 2, size = 8, endian = "little"), n, 2); close(con)
y <- Surv(M[, 1], M[, 2])
t1 <- system.time(fit <- survfit(y ~ 1))[["elapsed"]]
cat(sprintf("R survfit %.3f\n", t1))
tab <- summary(fit)$table
cat("R km unique_times", length(fit$time), "median", tab[["median"]], "lcl", tab[[8]], "ucl", tab[[9]],
    "surv365", sprintf("%.12f", summary(fit, times = 365)$surv), "\n")
g <- rep(1:2, length.out = nlr); ylr <- y[1:nlr]
t2 <- system.time(sd <- survdiff(ylr ~ g))[["elapsed"]]
cat(sprintf("R survdiff_small %.3f chisq %.10f\n", t2, sd$chisq))
g <- rep(1:2, length.out = n)
t3 <- system.time(sd <- survdiff(y ~ g))[["elapsed"]]
cat(sprintf("R survdiff_full %.3f chisq %.10f\n", t3, sd$chisq))
'''

PY_CODE = r'''
import sys, time, numpy as np, warnings
warnings.simplefilter("ignore")
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
f, n, nlr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
M = np.fromfile(f, dtype="<f8").reshape(2, n).T
t0 = time.perf_counter(); k = KaplanMeierFitter().fit(M[:, 0], M[:, 1]); el = time.perf_counter() - t0
print(f"lifelines km {el:.3f} median {k.median_survival_time_}")
for label, m in (("small", nlr), ("full", n)):
    g = np.arange(m) % 2
    T, E = M[:m, 0], M[:m, 1]
    t0 = time.perf_counter(); r = logrank_test(T[g == 0], T[g == 1], E[g == 0], E[g == 1]); el = time.perf_counter() - t0
    print(f"lifelines logrank_{label} {el:.3f} chisq {r.test_statistic:.10f}")
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


def make_data(path, which):
    """perf_gen.py's KM files, bit for bit (same generator, seeds and operations)."""
    import numpy as np
    if which == "days":
        rng = np.random.Generator(np.random.PCG64(7))
        t = np.ceil(rng.exponential(365.0, N)); c = np.ceil(rng.uniform(0, 3 * 365.0, N))
    else:
        rng = np.random.Generator(np.random.PCG64(8))
        t = rng.exponential(365.0, N); c = rng.uniform(0, 3 * 365.0, N)
    e = (t <= c).astype(float); t = np.minimum(t, c)
    np.concatenate([t, e]).astype("<f8").tofile(path)
    print(f"generated {path}: events {int(e.sum())}, distinct times {len(np.unique(t))}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("NETRX_BENCH_DATA", os.path.join(tempfile.gettempdir(), "netrx-perfdata")))
    ap.add_argument("--which", default="days,cont")
    ap.add_argument("--skip-lifelines", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.data, exist_ok=True)

    b = subprocess.run(["cargo", "bench", "-p", "netrx-stats", "--bench", "km_perf", "--no-run"],
                       cwd=ROOT, capture_output=True, text=True)
    m = re.search(r"\((target/[^)]*km_perf-[0-9a-f]+)\)", b.stdout + b.stderr)
    if b.returncode != 0 or not m:
        sys.stderr.write(b.stdout + b.stderr)
        raise SystemExit("could not build benches/km_perf.rs")
    exe = os.path.join(ROOT, m.group(1))

    env1 = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rfile = os.path.join(a.data, "km_bench.R"); open(rfile, "w").write(R_CODE)
    pfile = os.path.join(a.data, "km_bench_lifelines.py"); open(pfile, "w").write(PY_CODE)
    rversion = subprocess.run(["Rscript", "-e", "cat(R.version.string, 'survival', as.character(packageVersion('survival')))"],
                              capture_output=True, text=True).stdout.strip()
    rows = []
    for which in a.which.split(","):
        f = os.path.join(a.data, f"km_{N}.bin" if which == "days" else f"km_{N}_cont.bin")
        if not os.path.exists(f):
            make_data(f, which)
        out_n, rss_n = timed([exe, f, str(N), str(N_LR)], env1)
        out_r, rss_r = timed(["Rscript", rfile, f, str(N), str(N_LR)], env1)
        row = dict(
            data=which,
            netrx_km=grab(r"netrx survfit n=\d+: elapsed ([\d.]+)", out_n),
            netrx_km_best=grab(r"netrx survfit n=\d+: elapsed [\d.]+ s \(best of 3 ([\d.]+)", out_n),
            netrx_lr_small=grab(rf"netrx survdiff n={N_LR}: elapsed ([\d.]+)", out_n),
            netrx_lr_full=grab(rf"netrx survdiff n={N}: elapsed ([\d.]+)", out_n),
            r_km=grab(r"R survfit ([\d.]+)", out_r),
            r_lr_small=grab(r"R survdiff_small ([\d.]+)", out_r),
            r_lr_full=grab(r"R survdiff_full ([\d.]+)", out_r),
            rss_netrx_mb=rss_n, rss_r_mb=rss_r,
            netrx_km_summary=re.search(r"netrx km (.*)", out_n).group(1),
            r_km_summary=re.search(r"R km (.*)", out_r).group(1),
            chisq_small_netrx=grab(rf"netrx survdiff n={N_LR}:.*chisq ([\d.]+)", out_n),
            chisq_small_r=grab(r"R survdiff_small [\d.]+ chisq ([\d.]+)", out_r),
            chisq_full_netrx=grab(rf"netrx survdiff n={N}:.*chisq ([\d.]+)", out_n),
            chisq_full_r=grab(r"R survdiff_full [\d.]+ chisq ([\d.]+)", out_r),
        )
        if not a.skip_lifelines:
            out_p, rss_p = timed([sys.executable, pfile, f, str(N), str(N_LR)], env1)
            row.update(lifelines_km=grab(r"lifelines km ([\d.]+)", out_p),
                       lifelines_lr_small=grab(r"lifelines logrank_small ([\d.]+)", out_p),
                       lifelines_lr_full=grab(r"lifelines logrank_full ([\d.]+)", out_p),
                       chisq_small_lifelines=grab(r"lifelines logrank_small [\d.]+ chisq ([\d.]+)", out_p),
                       rss_lifelines_mb=rss_p)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)

    print(f"\n{rversion}; lifelines via {sys.executable}; netrx release build, single thread; first runs\n")
    print("| task | netrx | R survival | R/netrx | lifelines | lifelines/netrx | peak RSS netrx / R / lifelines (whole process) | same result? |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        rss = f"{r['rss_netrx_mb']:.0f} / {r['rss_r_mb']:.0f} / {r.get('rss_lifelines_mb', float('nan')):.0f} MB"
        same_km = "netrx: " + r["netrx_km_summary"] + "; R: " + r["r_km_summary"]
        for task, tn, tr, tl, same in (
            (f"KM 1e7 rows [{r['data']}]", r["netrx_km"], r["r_km"], r.get("lifelines_km"), same_km),
            (f"log-rank 1e6 rows, 2 groups [{r['data']}]", r["netrx_lr_small"], r["r_lr_small"], r.get("lifelines_lr_small"),
             f"χ² netrx {r['chisq_small_netrx']:.10f}, R {r['chisq_small_r']:.10f}"),
            (f"log-rank 1e7 rows, 2 groups [{r['data']}]", r["netrx_lr_full"], r["r_lr_full"], r.get("lifelines_lr_full"),
             f"χ² netrx {r['chisq_full_netrx']:.10f}, R {r['chisq_full_r']:.10f}"),
        ):
            lf = f"{tl:.2f} s" if tl else "n/a"
            lr = f"{tl / tn:.1f}×" if tl else "n/a"
            print(f"| {task} | {tn:.3f} s | {tr:.2f} s | {tr / tn:.1f}× | {lf} | {lr} | {rss} | {same} |")


if __name__ == "__main__":
    main()
