#!/usr/bin/env python3
"""Make the SYNTHETIC demonstration curves of examples/radiant4 (run from this folder).

They are NOT the published RADIANT-4 figure: no digitised points of Lancet 2016 Fig 2A are in
shared/reference. Each is a piecewise-exponential curve whose median is the published central-review
median PFS (everolimus 11.0, placebo 3.9 months; Yao, Lancet 2016, via shared/reference/trials.md),
with a lower hazard after a break (everolimus after 12 months, placebo after 4 months) chosen by
hand so that the curve is compatible with the numbers-at-risk table and the event totals shipped
next to it (reconstruction reproduces the table exactly and the totals 109 and 60). Read every 0.25
months as percentages with a seeded +-0.3 percentage-point "digitisation" noise.
"""
import math
import random


def curve(path, median, t_break, h2, end, seed):
    h1 = math.log(2) / median
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("time,survival\n")
        t = 0.0
        while t <= end + 1e-9:
            s = 100 * math.exp(-(h1 * min(t, t_break) + h2 * max(0.0, t - t_break)))
            if t > 0:
                s = min(100.0, max(0.0, s + rng.uniform(-0.3, 0.3)))
            f.write(f"{t:.2f},{s:.2f}\n")
            t += 0.25


curve("everolimus_curve_SYNTHETIC.csv", 11.0, 12.0, 0.045, 26.5, 20151217)
curve("placebo_curve_SYNTHETIC.csv", 3.9, 4.0, 0.045, 28.0, 19)
