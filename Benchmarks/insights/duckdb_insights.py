"""The monthly retention matrix and the lifecycle classification of CDNOW_master replicated 100
times, in DuckDB: the comparison for Rapport's "Retention" and "Lifecycle" benchmarks (Insights).

The master file is loaded 100 times with ids shifted by copy * 100,000 (2,357,000 customers,
6,965,900 orders), as the Swift benchmarks do. The load is not timed; each query is, into a table,
best of --runs. The lifecycle query is the standard model of `LifecycleModel.standard()` as of
1998-07-01 (won back, new, loyal, active, at risk, churned; each stage excluding the ones before).

    python duckdb_insights.py CDNOW_master.txt [--runs 5]
"""
import argparse
import statistics
import time

import duckdb
import pandas

ap = argparse.ArgumentParser()
ap.add_argument("master")
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--copies", type=int, default=100)
args = ap.parse_args()

con = duckdb.connect()
ids, days = [], []
with open(args.master) as f:
    for line in f:
        parts = line.split()
        if len(parts) != 4 or not parts[0].isdigit():
            continue
        ids.append(int(parts[0]))
        days.append(f"{parts[1][:4]}-{parts[1][4:6]}-{parts[1][6:]}")
base = pandas.DataFrame({"id": ids, "d": pandas.to_datetime(days)})
con.execute("CREATE TABLE base AS SELECT id::BIGINT AS id, d::DATE AS d FROM base")
con.execute(f"""
    CREATE TABLE orders AS
    SELECT b.id + c.copy * 100000 AS id, b.d FROM base b, range({args.copies}) c(copy)
""")
customers, orders = con.execute("SELECT count(DISTINCT id), count(*) FROM orders").fetchone()

RETENTION = """
CREATE OR REPLACE TABLE retention AS
WITH p AS (SELECT id, year(d) * 12 + month(d) - 1 AS m FROM orders),
     f AS (SELECT id, min(m) AS cohort FROM p GROUP BY id)
SELECT f.cohort, p.m - f.cohort AS k, count(DISTINCT p.id) AS customers
FROM p JOIN f USING (id) GROUP BY 1, 2
"""

# "within 30 days": on or after now − 30 days; "between 120 and 30 days ago": [now − 120, now − 30);
# "after N days ago": ≥ now − N days; "before": < now − N days (the condition language's bounds).
LIFECYCLE = """
CREATE OR REPLACE TABLE lifecycle AS
WITH a AS (
    SELECT id, min(d) AS first, max(d) AS last, count(*) AS orders,
           count(*) FILTER (WHERE d >= DATE '1998-07-01' - 30) AS recent,
           count(*) FILTER (WHERE d >= DATE '1998-07-01' - 120 AND d < DATE '1998-07-01' - 30) AS gap,
           count(*) FILTER (WHERE d < DATE '1998-07-01' - 120) AS earlier
    FROM orders GROUP BY id)
SELECT id, CASE
    WHEN recent > 0 AND gap = 0 AND earlier > 0 THEN 'won_back'
    WHEN first >= DATE '1998-07-01' - 14 THEN 'new'
    WHEN orders >= 5 AND last >= DATE '1998-07-01' - 30 THEN 'loyal'
    WHEN last >= DATE '1998-07-01' - 30 THEN 'active'
    WHEN last >= DATE '1998-07-01' - 90 THEN 'at_risk'
    ELSE 'churned' END AS stage
FROM a
"""


def timed(query):
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        con.execute(query)
        times.append((time.perf_counter() - t) * 1000)
    return times


threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
print(f"duckdb {duckdb.__version__}: {customers:,} customers, {orders:,} orders (threads {threads})")
r = timed(RETENTION)
cells = con.execute("SELECT count(*), sum(customers) FILTER (WHERE k = 0) FROM retention").fetchone()
print(f"retention: {cells[0]} cells, {cells[1]:,} in cohorts; ms: min {min(r):.0f}, median {statistics.median(r):.0f}")
lc = timed(LIFECYCLE)
stages = con.execute("SELECT stage, count(*) FROM lifecycle GROUP BY 1 ORDER BY 1").fetchall()
print("lifecycle stages: " + " ".join(f"{s}={n}" for s, n in stages))
print(f"lifecycle: ms: min {min(lc):.0f}, median {statistics.median(lc):.0f}")
