"""`rapport rfm` on files: the CDNOW sample against pandas' figures, and a CSV with bad lines."""
import csv
import io
import os

from conftest import run_cli

HERE = os.path.dirname(__file__)
AUDIENCE = os.path.join(HERE, "..", "RapportAudienceTests", "Fixtures")


def test_rfm_of_the_cdnow_sample_equals_pandas():
    out = run_cli("rfm", "--transactions", os.path.join(AUDIENCE, "CDNOW_sample.txt"),
                  "--format", "cdnow", "--as-of", "1998-07-01")
    got = list(csv.DictReader(io.StringIO(out.stdout)))
    with open(os.path.join(AUDIENCE, "cdnow-sample-rfm-1998-07-01.csv")) as f:
        expected = list(csv.DictReader(f))
    assert len(got) == len(expected) == 2357
    for g, e in zip(got, expected):
        assert int(g["customer"]) == int(e["customer"])
        assert (g["recency_days"], g["frequency"], g["monetary"]) == (e["recency"], e["frequency"], e["monetary"])
        assert (g["r"], g["f"], g["m"]) == (e["r"], e["f"], e["m"])
        assert g["rfm"] == e["r"] + e["f"] + e["m"]
    assert "2357 customers" in out.stderr and "Champions" in out.stderr


def test_rfm_of_a_csv_reports_bad_lines_and_uses_the_rest(workdir):
    path = os.path.join(workdir, "orders.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("会员,日期,金额\n张三,2024-01-03,10.5\n李四,20240105,7\n张三,2024-01-09T10:00:00+08:00,1\n"
                "王五,not-a-date,3\n赵六,2024-01-02,abc\n")
    out = run_cli("rfm", "--transactions", path, "--map", "customer=会员,date=日期,amount=金额",
                  "--as-of", "2024-01-10")
    rows = {r["customer"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert set(rows) == {"张三", "李四"}
    assert rows["张三"]["recency_days"] == "1" and rows["张三"]["frequency"] == "2"
    assert rows["张三"]["monetary"] == "11.50"
    assert "2 line(s)" in out.stderr and "line 5" in out.stderr and "line 6" in out.stderr
    bad = run_cli("rfm", "--transactions", path, "--as-of", "1998-13-01", check=False)
    assert bad.returncode != 0 and "--as-of" in bad.stderr
    missing = run_cli("rfm", "--transactions", path, "--as-of", "2024-01-10", check=False)
    assert missing.returncode != 0 and "customer" in missing.stderr and "--map" in missing.stderr
