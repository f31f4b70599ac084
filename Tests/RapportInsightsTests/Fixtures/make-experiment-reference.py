"""Reference figures for the experiment statistics, from SciPy.

Writes experiment-reference.json: for each case its inputs and SciPy's figures.

  python3 -m venv /tmp/sp && /tmp/sp/bin/pip install scipy numpy
  /tmp/sp/bin/python make-experiment-reference.py > experiment-reference.json
"""
import json
import math
import sys

import numpy as np
import scipy
from scipy import integrate, special, stats

out = {"scipy": scipy.__version__, "proportions": [], "welch": [], "beta": [], "srm": [], "distributions": []}

# Two-proportion z-test (pooled standard error for the test, unpooled for the interval).
for ca, na, cb, nb, conf in [(120, 1000, 150, 1000, 0.95), (30, 2400, 41, 2380, 0.95), (5000, 100000, 5200, 100000, 0.99),
                             (0, 50, 3, 50, 0.95), (480, 500, 470, 500, 0.90)]:
    pa, pb = ca / na, cb / nb
    pooled = (ca + cb) / (na + nb)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    z = (pb - pa) / se0
    p = 2 * stats.norm.sf(abs(z))
    se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    q = stats.norm.ppf(0.5 + conf / 2)
    case = {"control": [ca, na], "treatment": [cb, nb], "confidence": conf, "z": z, "p": p,
            "ci": [pb - pa - q * se, pb - pa + q * se]}
    if ca > 0:
        # Relative lift pB/pA − 1 by the delta method on the ratio.
        se_ratio = (pb / pa) * math.sqrt((1 - pa) / (na * pa) + ((1 - pb) / (nb * pb) if cb > 0 else 0))
        case["lift"] = pb / pa - 1
        case["lift_ci"] = [pb / pa - 1 - q * se_ratio, pb / pa - 1 + q * se_ratio]
    out["proportions"].append(case)

# Welch's t-test from samples (scipy.stats.ttest_ind, equal_var=False) and its interval.
rng = np.random.default_rng(7)
for na, nb, ma, mb, sa, sb, conf in [(40, 55, 10.0, 11.5, 3.0, 5.0, 0.95), (1000, 1200, 52.0, 53.1, 20.0, 24.0, 0.95),
                                      (8, 5, 1.0, 2.0, 0.5, 2.5, 0.99), (300, 300, 0.0, 0.0, 1.0, 1.0, 0.90)]:
    a = rng.normal(ma, sa, na).round(4)
    b = rng.normal(mb, sb, nb).round(4)
    res = stats.ttest_ind(b, a, equal_var=False)
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    q = stats.t.ppf(0.5 + conf / 2, df)
    d = b.mean() - a.mean()
    out["welch"].append({"control": a.tolist(), "treatment": b.tolist(), "confidence": conf, "t": float(res.statistic),
                         "df": df, "p": float(res.pvalue), "ci": [d - q * math.sqrt(va + vb), d + q * math.sqrt(va + vb)]})

# P(B > A) under Beta(1 + c, 1 + n − c) posteriors, by numerical integration.
for ca, na, cb, nb in [(120, 1000, 150, 1000), (30, 2400, 41, 2380), (3, 20, 2, 20), (0, 10, 0, 10), (900, 10000, 960, 10000)]:
    a1, b1, a2, b2 = 1 + ca, 1 + na - ca, 1 + cb, 1 + nb - cb
    lo = min(stats.beta.ppf(1e-12, a1, b1), stats.beta.ppf(1e-12, a2, b2))
    hi = max(stats.beta.isf(1e-12, a1, b1), stats.beta.isf(1e-12, a2, b2))
    prob, _ = integrate.quad(lambda x: stats.beta.pdf(x, a2, b2) * stats.beta.cdf(x, a1, b1), lo, hi,
                             epsabs=1e-13, epsrel=1e-12, limit=500, points=[a1 / (a1 + b1), a2 / (a2 + b2)])
    out["beta"].append({"control": [ca, na], "treatment": [cb, nb], "p_beat": prob})

# Sample ratio mismatch: scipy.stats.chisquare against the planned shares.
for observed, shares in [([5000, 5100], [0.5, 0.5]), ([5000, 5400], [0.5, 0.5]), ([2010, 1000, 990], [0.5, 0.25, 0.25]),
                         ([821, 179], [0.8, 0.2])]:
    total = sum(observed)
    res = stats.chisquare(observed, [s * total for s in shares])
    out["srm"].append({"observed": observed, "shares": shares, "chi2": float(res.statistic), "p": float(res.pvalue)})

# The distributions themselves.
for x, a, b in [(0.3, 2.0, 5.0), (0.999, 0.5, 0.5), (0.01, 30.0, 2.0), (0.5, 1000.0, 1200.0)]:
    out["distributions"].append({"kind": "beta_cdf", "x": x, "a": a, "b": b, "value": float(special.betainc(a, b, x))})
for t, df in [(2.1, 5.0), (-0.7, 12.3), (4.5, 150.0), (0.0, 3.0)]:
    out["distributions"].append({"kind": "t_sf", "t": t, "df": df, "value": float(stats.t.sf(t, df))})
for p, df in [(0.975, 5.0), (0.995, 12.3), (0.95, 150.0), (0.6, 2.0)]:
    out["distributions"].append({"kind": "t_ppf", "p": p, "df": df, "value": float(stats.t.ppf(p, df))})
for x, df in [(3.84, 1.0), (12.0, 4.0), (0.5, 2.0), (40.0, 10.0)]:
    out["distributions"].append({"kind": "chi2_sf", "x": x, "df": df, "value": float(stats.chi2.sf(x, df))})
for p in [0.5, 0.975, 0.995, 1e-6, 0.999999]:
    out["distributions"].append({"kind": "norm_ppf", "p": p, "value": float(stats.norm.ppf(p))})

json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
