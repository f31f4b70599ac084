"""`rapport rfm` and `rapport cluster` on files: the CDNOW sample against pandas' figures, a CSV with
bad lines, and k-means of CDNOW_master against scikit-learn."""
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


def test_segments_saved_by_the_cli_reach_the_running_server(server):
    """Definitions saved by another process (the CLI) are picked up by the running server,
    which then keeps the segment current as the Segment SDK sends events."""
    import requests
    from segment.analytics.client import Client

    # A client of its own: the module's default client would keep this server's address for later tests.
    analytics = Client(server.credentials["writeKeys"]["web"], host=server.url, sync_mode=True)
    analytics.identify("sh-1", {"email": "sh1@example.com", "city": "上海"})
    analytics.track("sh-1", "Order Completed", {"revenue": 300})
    analytics.identify("bj-1", {"email": "bj1@example.com", "city": "北京"})
    analytics.track("bj-1", "Order Completed", {"revenue": 900})

    data = server.data
    out = run_cli("traits", "save", "spent", "--data", data, "--durability", "normal",
                  "--expression", 'sum revenue of "Order Completed"')
    assert 'Saved computed trait "spent"' in out.stdout
    out = run_cli("segments", "save", "shanghai_spenders", "--data", data, "--durability", "normal",
                  "--condition", 'city = "上海" and spent >= 500')
    assert "Saved segment" in out.stdout
    bad = run_cli("segments", "save", "bad", "--data", data, "--condition", 'city = "上海" and spent >== 5', check=False)
    assert bad.returncode != 0 and "line 1, column" in bad.stderr and "^" in bad.stderr

    def size():
        r = server.admin("/v1/segments/shanghai_spenders")
        return r.json().get("size") if r.status_code == 200 else None

    assert server.wait_for(lambda: size() == 0), "the server did not pick up the CLI's segment"
    analytics.track("sh-1", "Order Completed", {"revenue": 250})
    assert server.wait_for(lambda: size() == 1), "the segment did not follow the new order"
    r = server.admin("/v1/segments/shanghai_spenders/members", params={"format": "csv", "traits": "email,spent"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(row["email"], row["spent"]) for row in rows] == [("sh1@example.com", "550")]
    token = server.credentials["adminToken"]
    preview = requests.post(server.url + "/v1/segments/preview", headers={"Authorization": f"Bearer {token}"},
                            json={"condition": "spent > 100"}, timeout=10).json()
    assert preview["size"] == 2

    # A tag set by the CLI from a CSV of e-mails reaches the server through the log.
    out = run_cli("tags", "save", "门店会员", "--group", "member_level", "--data", data, "--durability", "normal")
    assert 'Saved tag "门店会员"' in out.stdout
    path = os.path.join(data, "members.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("email\nSH1@example.com\nnobody@example.com\n")
    out = run_cli("tags", "add", "门店会员", "--file", path, "--data", data, "--durability", "normal")
    assert "Tagged 1 profiles" in out.stdout and "1 not found" in out.stdout, out.stdout

    def tags_of_sh1():
        r = server.admin("/v1/profiles", params={"identifier": "email:sh1@example.com"})
        return r.json().get("tags") if r.status_code == 200 else None

    assert server.wait_for(lambda: tags_of_sh1() == ["门店会员"]), tags_of_sh1()
    listed = run_cli("tags", "list", "--data", data, "--durability", "normal").stdout
    assert "门店会员\tmember_level\t1" in listed, listed

    # The segment's history, read from its Segment Entered events in the log by another process.
    def history_today():
        out = run_cli("segments", "history", "shanghai_spenders", "--days", "1", "--data", data,
                      "--durability", "normal").stdout
        return list(csv.DictReader(io.StringIO(out)))

    assert server.wait_for(lambda: [(r["size"], r["entered"]) for r in history_today()] == [("1", "1")]), history_today()

    # The default lifecycle model turned on from the CLI: both buyers are new, and say why.
    out = run_cli("lifecycle", "standard", "--new-days", "7", "--data", data, "--durability", "normal")
    assert "Saved the lifecycle model" in out.stdout and "new\t2\t" in out.stdout, out.stdout

    def stage_of_sh1():
        r = server.admin("/v1/profiles", params={"identifier": "email:sh1@example.com"})
        return (r.json().get("stage") or {}).get("name") if r.status_code == 200 else None

    assert server.wait_for(lambda: stage_of_sh1() == "new"), stage_of_sh1()
    why = run_cli("lifecycle", "why", "email:SH1@example.com", "--data", data, "--durability", "normal").stdout
    assert why.startswith("new — first purchase within 7 days"), why
    assert 'first "Order Completed" after 7 days ago: ' in why and "today" in why, why
    shown = run_cli("lifecycle", "show", "--data", data, "--durability", "normal").stdout
    assert "new\t2\tfirst" in shown and "Entering at_risk fires a Churn Warning." in shown, shown
    bad = run_cli("lifecycle", "standard", "--active-days", "200", "--data", data, check=False)
    assert bad.returncode != 0 and "active_days" in bad.stderr
    nobody = run_cli("lifecycle", "why", "email:nobody@example.com", "--data", data, check=False)
    assert nobody.returncode != 0 and "no profile" in nobody.stderr

    # Clusters on a computed trait, set from the CLI: the server takes the fit, and a new customer
    # sent through the SDK joins the nearest cluster at once.
    out = run_cli("clusters", "set", "--feature", "spent:log1p", "--k", "2", "--data", data, "--durability", "normal")
    assert "cluster\tname\tsize\tspent" in out.stdout and "Fitted" in out.stdout and "on 2 of 2 customers" in out.stdout, out.stdout

    def cluster_of(email):
        r = server.admin("/v1/profiles", params={"identifier": "email:" + email})
        return (r.json().get("cluster") or {}).get("number") if r.status_code == 200 else None

    assert server.wait_for(lambda: cluster_of("sh1@example.com") is not None and cluster_of("bj1@example.com") is not None)
    assert {cluster_of("sh1@example.com"), cluster_of("bj1@example.com")} == {1, 2}
    out = run_cli("clusters", "name", "小额", "大额", "--data", data, "--durability", "normal").stdout
    assert "\t小额\t" in out and "\t大额\t" in out, out
    analytics.identify("gz-1", {"email": "gz1@example.com", "city": "广州"})
    analytics.track("gz-1", "Order Completed", {"revenue": 880})
    assert server.wait_for(lambda: cluster_of("gz1@example.com") == cluster_of("bj1@example.com")), cluster_of("gz1@example.com")
    shown = run_cli("clusters", "show", "--data", data, "--durability", "normal").stdout
    sizes = sorted(line.split("\t")[2] for line in shown.splitlines()[1:3])
    assert sizes == ["1", "2"], shown
    bad = run_cli("clusters", "set", "--feature", "cluster", "--data", data, check=False)
    assert bad.returncode != 0 and "itself" in bad.stderr, bad.stderr
    bad = run_cli("clusters", "set", "--feature", "spent:cube", "--data", data, check=False)
    assert bad.returncode != 0 and "log1p" in bad.stderr, bad.stderr


ENGINE = os.path.join(HERE, "..", "RapportEngineTests", "Fixtures")


def cdnow_rfm(path, as_of_day):
    """Recency (days), frequency (distinct days) and monetary per customer of a CDNOW file, by id."""
    import datetime
    last, days, spent = {}, {}, {}
    with open(path) as f:
        for n, line in enumerate(f):
            parts = line.split()
            if n == 0 and not parts[0].isdigit():
                continue
            c, day = int(parts[0]), datetime.date(int(parts[1][:4]), int(parts[1][4:6]), int(parts[1][6:])).toordinal()
            last[c] = max(last.get(c, day), day)
            days.setdefault(c, set()).add(day)
            spent[c] = spent.get(c, 0.0) + float(parts[3])
    ids = sorted(last)
    return ids, [as_of_day - last[c] for c in ids], [len(days[c]) for c in ids], [spent[c] for c in ids]


def test_cluster_of_cdnow_master_is_as_good_as_scikit_learn(workdir):
    import datetime
    import numpy as np
    from sklearn.cluster import KMeans

    master = os.path.join(ENGINE, "CDNOW_master.txt")
    out_path = os.path.join(workdir, "clusters.csv")
    out = run_cli("cluster", "--transactions", master, "--format", "cdnow", "--as-of", "1998-07-01",
                  "--k", "5", "--out", out_path)
    with open(out_path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 23570
    ids, r, fr, m = cdnow_rfm(master, datetime.date(1998, 7, 1).toordinal())
    assert [int(x["customer"]) for x in rows] == ids
    assert [int(x["recency_days"]) for x in rows] == r
    assert [int(x["frequency"]) for x in rows] == fr

    # Standardised log R, log F, log(1 + M), as the issue states the comparison.
    x = np.column_stack([np.log(np.maximum(r, 1)), np.log(fr), np.log1p(m)])
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    sk = KMeans(n_clusters=5, n_init=10, random_state=0).fit(x)
    ours = float(out.stderr.split("inertia ")[1].split()[0])
    assert abs(ours - sk.inertia_) / sk.inertia_ <= 0.005, (ours, sk.inertia_)
    # The labels printed are the clusters whose inertia is reported.
    labels = np.array([int(x["cluster"]) for x in rows])
    assert sorted(set(labels)) == [0, 1, 2, 3, 4]
    recomputed = sum(((x[labels == c] - x[labels == c].mean(axis=0)) ** 2).sum() for c in range(5))
    assert abs(recomputed - ours) / ours <= 1e-6
    # Same seed, same clusters; the summary speaks in the figures' units.
    again = run_cli("cluster", "--transactions", master, "--format", "cdnow", "--as-of", "1998-07-01", "--k", "5")
    assert [line.split(",")[1] for line in again.stdout.splitlines()[1:]] == [x["cluster"] for x in rows]
    assert out.stderr.count("customers, recency") == 5


def test_cluster_refuses_bad_options(workdir):
    sample = os.path.join(AUDIENCE, "CDNOW_sample.txt")
    bad = run_cli("cluster", "--transactions", sample, "--format", "cdnow", "--k", "0", check=False)
    assert bad.returncode != 0 and "k must be" in bad.stderr
    bad = run_cli("cluster", "--transactions", sample, "--format", "cdnow", "--transform", "log,sqrt,log", check=False)
    assert bad.returncode != 0 and "--transform" in bad.stderr


INSIGHTS = os.path.join(HERE, "..", "RapportInsightsTests", "Fixtures")


def test_clv_of_the_cdnow_sample_equals_lifetimes():
    out = run_cli("clv", "--transactions", os.path.join(INSIGHTS, "CDNOW_sample.txt"), "--format", "cdnow",
                  "--calibration-end", "1997-09-30", "--horizon-months", "12", "--discount-monthly", "0.01")
    # The published estimates (Fader, Hardie & Lee 2005) on standard error.
    assert "r=0.2426 alpha=4.4136 a=0.7929 b=2.4259 log-likelihood=-9582.43" in out.stderr
    assert "p=6.2496 q=3.7442 gamma=15.4435" in out.stderr
    got = {r["customer"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    with open(os.path.join(INSIGHTS, "cdnow-sample-clv-lifetimes.csv")) as f:
        expected = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert len(got) == len(expected) == 2357
    for e in expected:
        g = got[e["customer"]]
        assert int(g["x"]) == int(e["frequency"])
        assert abs(float(g["T"]) - float(e["T"])) < 1e-4
        assert abs(float(g["monetary"]) - float(e["monetary_value"])) < 1e-4
        # lifetimes stops its fit at a looser tolerance: the figures agree to its precision.
        assert abs(float(g["p_alive"]) - float(e["p_alive"])) < 2e-5
        assert abs(float(g["expected_purchases"]) - float(e["expected_12m"])) < 2e-5 * max(1, float(e["expected_12m"]))
        assert abs(float(g["expected_spend"]) - float(e["expected_spend"])) < 1e-3
        assert abs(float(g["clv"]) - float(e["clv_12m_calendar"])) < 0.011 + 1e-4 * float(e["clv_12m_calendar"])
    assert got["4"]["holdout_purchases"] == "1"


def test_clv_refuses_what_it_cannot_fit(workdir):
    path = os.path.join(workdir, "once.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("customer,date,amount\nA,2024-01-03,10\nB,2024-01-05,7\n")
    one_time = run_cli("clv", "--transactions", path, "--calibration-end", "2024-02-01", check=False)
    assert one_time.returncode != 0 and "repeat purchase" in one_time.stderr
    bad = run_cli("clv", "--transactions", path, "--discount-monthly", "-2", check=False)
    assert bad.returncode != 0 and "--discount-monthly" in bad.stderr


def test_basket_rules_of_order_lines_equal_brute_force(workdir):
    import itertools
    import random

    rng = random.Random(3)
    items = ["奶粉", "尿布", "湿巾", "奶瓶", "玩具", "绘本", "辅食", "围兜"]
    orders = []
    for o in range(800):
        basket = rng.sample(items, rng.randint(1, 3))
        if "尿布" in basket and rng.random() < 0.7:
            basket.append("湿巾")
        orders.append((f"SO-{o:04d}", basket))
    path = os.path.join(workdir, "lines.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("订单号,商品\n")
        for order, basket in orders:
            for item in basket:
                f.write(f"{order},{item}\n")
        f.write(",空订单\n")
    out = run_cli("basket", "--lines", path, "--map", "order=订单号,item=商品", "--min-support", "0.02",
                  "--min-confidence", "0.1", "--max-length", "3")
    assert "800 orders, 8 items" in out.stderr and "1 line(s)" in out.stderr
    rules = list(csv.DictReader(io.StringIO(out.stdout)))
    sets = [set(b) for _, b in orders]
    n = len(sets)

    def share(xs):
        return sum(1 for s in sets if set(xs) <= s) / n

    expected = {}
    for k in (2, 3):
        for combo in itertools.combinations(sorted(items), k):
            if share(combo) * n < 16:  # ceil(0.02 * 800)
                continue
            for c in combo:
                a = tuple(x for x in combo if x != c)
                conf = share(combo) / share(a)
                if conf >= 0.1:
                    expected[(" + ".join(sorted(a)), c)] = (round(share(combo) * n), conf, conf / share([c]))
    got = {(r["antecedent"], r["consequent"]): (int(r["orders"]), float(r["confidence"]), float(r["lift"])) for r in rules}
    assert got.keys() == expected.keys()
    for key, (count, conf, lift) in expected.items():
        assert got[key][0] == count and abs(got[key][1] - conf) < 1e-6 and abs(got[key][2] - lift) < 1e-5
    # The planted pair is in the rule with the highest lift.
    top = set(rules[0]["antecedent"].split(" + ")) | {rules[0]["consequent"]}
    assert {"尿布", "湿巾"} <= top, rules[0]
