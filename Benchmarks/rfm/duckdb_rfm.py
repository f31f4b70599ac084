"""RFM over CDNOW_master replicated 100 times, in DuckDB: the comparison for
Rapport's "RFM: CDNOW x100" benchmark.

The master file is loaded 100 times with ids shifted by copy * 100,000
(2,357,000 customers, 6,965,900 orders), as the Swift benchmark does. The load
is not timed; the RFM query (recency, distinct purchase days, total, each
scored with ntile(5), ties by id) is, into a table, best of --runs.

    python duckdb_rfm.py CDNOW_master.txt [--runs 5]
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
# The file separates columns by runs of spaces, which DuckDB's CSV reader does not take: read it here.
ids, days, dollars = [], [], []
with open(args.master) as f:
    for line in f:
        parts = line.split()
        if len(parts) != 4 or not parts[0].isdigit():
            continue
        ids.append(int(parts[0]))
        days.append(f"{parts[1][:4]}-{parts[1][4:6]}-{parts[1][6:]}")
        dollars.append(float(parts[3]))
base = pandas.DataFrame({"id": ids, "d": pandas.to_datetime(days), "dollars": dollars})
con.execute("CREATE TABLE base AS SELECT id::BIGINT AS id, d::DATE AS d, dollars FROM base")
con.execute(f"""
    CREATE TABLE orders AS
    SELECT b.id + c.copy * 100000 AS id, b.d, round(b.dollars * 100)::BIGINT AS cents
    FROM base b, range({args.copies}) c(copy)
""")
customers, orders = con.execute("SELECT count(DISTINCT id), count(*) FROM orders").fetchone()

QUERY = """
CREATE OR REPLACE TABLE rfm AS
WITH c AS (
    SELECT id, DATE '1998-07-01' - max(d) AS recency, count(DISTINCT d) AS frequency,
           sum(cents) AS monetary
    FROM orders WHERE d <= DATE '1998-07-01' GROUP BY id)
SELECT id, recency, frequency, monetary,
       ntile(5) OVER (ORDER BY recency DESC, id) AS r,
       ntile(5) OVER (ORDER BY frequency, id) AS f,
       ntile(5) OVER (ORDER BY monetary, id) AS m
FROM c
"""
times = []
for _ in range(args.runs):
    t = time.perf_counter()
    con.execute(QUERY)
    times.append((time.perf_counter() - t) * 1000)
rows = con.execute("SELECT count(*) FROM rfm").fetchone()[0]
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
print(f"duckdb {duckdb.__version__}: {customers:,} customers, {orders:,} orders, {rows:,} rows; "
      f"RFM query ms: min {min(times):.0f}, median {statistics.median(times):.0f} "
      f"(threads {threads})")
