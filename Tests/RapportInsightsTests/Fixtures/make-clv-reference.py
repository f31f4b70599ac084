"""Reference CLV figures for CDNOW_sample.txt from the `lifetimes` package (PyPI).

Writes cdnow-sample-clv-lifetimes.csv: per customer of the 39-week calibration ending
1997-09-30 (time in weeks, same-day purchases merged, repeat purchases only), lifetimes'
summary (frequency, recency, T, monetary_value), P(alive), the expected repeat purchases in
the next 52 weeks, the expected average spend and the 12-month CLV at 1% a month (lifetimes'
customer_lifetime_value, which counts 4.345 weeks a month); the expected purchases and the CLV
over 12 months of 365.25 / 12 / 7 weeks, as `rapport clv` counts them; and the fitted
parameters on the first lines (# bgnbd r alpha a b / # gg p q v).

  python3 -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes scipy pandas
  /tmp/lt/bin/python make-clv-reference.py CDNOW_sample.txt > cdnow-sample-clv-lifetimes.csv
"""
import sys
import numpy as np
import pandas as pd
import lifetimes
from lifetimes import BetaGeoFitter, GammaGammaFitter

rows = pd.read_csv(sys.argv[1], sep=r"\s+", header=None, names=["id", "sid", "date", "cds", "dollars"])
rows["date"] = pd.to_datetime(rows["date"].astype(str), format="%Y%m%d")
# Same-day purchases merged.
daily = rows.groupby(["id", "date"], as_index=False)["dollars"].sum()
end = pd.Timestamp("1997-09-30")
calibration = daily[daily["date"] <= end]
first = calibration.groupby("id")["date"].min()
last = calibration.groupby("id")["date"].max()
count = calibration.groupby("id")["date"].count()
summary = pd.DataFrame({
    "frequency": count - 1,
    "recency": (last - first).dt.days / 7.0,
    "T": (end - first).dt.days / 7.0,
})
firsts = calibration.merge(first.rename("first"), left_on="id", right_index=True)
repeats = firsts[firsts["date"] > firsts["first"]]
summary["monetary_value"] = repeats.groupby("id")["dollars"].mean().reindex(summary.index).fillna(0.0)

bg = BetaGeoFitter(penalizer_coef=0.0)
bg.fit(summary["frequency"], summary["recency"], summary["T"])
returning = summary[summary["frequency"] > 0]
gg = GammaGammaFitter(penalizer_coef=0.0)
gg.fit(returning["frequency"], returning["monetary_value"])

p = bg.params_
print(f"# lifetimes {lifetimes.__version__}")
print(f"# bgnbd r={float(p['r'])!r} alpha={float(p['alpha'])!r} a={float(p['a'])!r} b={float(p['b'])!r}")
g = gg.params_
print(f"# gg p={float(g['p'])!r} q={float(g['q'])!r} v={float(g['v'])!r}")
summary["p_alive"] = bg.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
summary["expected_52w"] = bg.conditional_expected_number_of_purchases_up_to_time(
    52, summary["frequency"], summary["recency"], summary["T"])
summary["expected_spend"] = gg.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])
summary["clv_12m"] = gg.customer_lifetime_value(
    bg, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
    time=12, discount_rate=0.01, freq="W")
# The same with a month of 365.25 / 12 / 7 weeks, as `rapport clv` counts it.
month = 365.25 / 12 / 7
spend = summary["expected_spend"]
summary["expected_12m"] = bg.conditional_expected_number_of_purchases_up_to_time(
    12 * month, summary["frequency"], summary["recency"], summary["T"])
clv = 0.0
previous = 0.0
for i in range(1, 13):
    cumulative = bg.conditional_expected_number_of_purchases_up_to_time(
        i * month, summary["frequency"], summary["recency"], summary["T"])
    clv = clv + spend * (cumulative - previous) / 1.01 ** i
    previous = cumulative
summary["clv_12m_calendar"] = clv
summary.index.name = "customer"
sys.stdout.write(summary.to_csv(float_format="%.12g"))
