"""Funnel and retention reports: events sent with the Segment SDK to a real `rapport serve`, the
reports asked of the HTTP API and of the CLI (`rapport report`), both checked against brute force in
Python over the events sent."""
import csv
import datetime as dt
import io
import json
import random

import requests

from conftest import run_cli

STEPS = ["Product Viewed", "Product Added", "Order Completed"]
WINDOW = dt.timedelta(days=3)


def history(seed=7, users=40):
    """Each user's events over the last 9 days, in time order, as (time, name)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    out = {}
    for u in range(users):
        events = []
        # Sessions that go some way down the funnel (later steps sometimes past the window), and noise.
        for _ in range(rng.randint(1, 3)):
            at = now - dt.timedelta(hours=rng.randint(60, 9 * 24))
            events.append((at, "Product Viewed"))
            for step in STEPS[1:]:
                if rng.random() < 0.6:
                    at += dt.timedelta(hours=rng.randint(1, 50))
                    if at < now:
                        events.append((at, step))
        for _ in range(rng.randint(0, 3)):
            events.append((now - dt.timedelta(hours=rng.randint(2, 9 * 24)), rng.choice(STEPS + ["App Opened"])))
        out[f"shopper-{u}"] = sorted(events)
    return out


def funnel_brute_force(events):
    """Steps done: from each first step, the earliest next step within the window, in order."""
    best = 0
    for i, (t0, name) in enumerate(events):
        if name != STEPS[0]:
            continue
        done, at = 1, i
        while done < len(STEPS):
            nxt = next((j for j in range(at + 1, len(events))
                        if events[j][1] == STEPS[done] and events[j][0] - t0 <= WINDOW), None)
            if nxt is None:
                break
            done, at = done + 1, nxt
        best = max(best, done)
    return best


def test_funnel_and_retention_from_the_api_and_the_cli_equal_brute_force(server):
    from segment.analytics.client import Client

    analytics = Client(server.credentials["writeKeys"]["web"], host=server.url, sync_mode=True)
    sent = history()
    total = 0
    for user, events in sent.items():
        for at, name in events:
            analytics.track(user, name, {"sku": "A1"}, timestamp=at)
            total += 1
    reached = [funnel_brute_force(e) for e in sent.values()]
    expected = [sum(1 for r in reached if r >= k) for k in range(1, len(STEPS) + 1)]
    token = server.credentials["adminToken"]
    body = {"steps": STEPS, "window_days": 3}

    def funnel():
        r = requests.post(server.url + "/v1/insights/funnel", headers={"Authorization": f"Bearer {token}"},
                          json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    assert server.wait_for(lambda: [s["count"] for s in funnel()["steps"]] == expected, timeout=30), \
        (funnel(), expected)
    api = funnel()
    # The CLI on the same data directory answers the same.
    out = run_cli("report", "funnel", "--data", server.data, "--durability", "normal", "--window-days", "3",
                  *[a for s in STEPS for a in ("--step", s)], "--format", "json")
    cli = json.loads(out.stdout)
    assert [s["count"] for s in cli["steps"]] == expected
    assert [s["dropped_after"] for s in cli["steps"]] == [s["dropped_after"] for s in api["steps"]]
    csv_out = run_cli("report", "funnel", "--data", server.data, "--durability", "normal", "--window-days", "3",
                      *[a for s in STEPS for a in ("--step", s)]).stdout
    rows = list(csv.DictReader(io.StringIO(csv_out.split("\n\n")[0])))
    assert [int(r["count"]) for r in rows] == expected

    # Daily retention: cohorts by the first Product Viewed, returning with any Product Viewed (UTC days).
    first = {}
    days = {}
    for user, events in sent.items():
        views = [t.date() for t, n in events if n == "Product Viewed"]
        if views:
            first[user] = min(views)
            days[user] = set(views)
    r = requests.post(server.url + "/v1/insights/retention", headers={"Authorization": f"Bearer {token}"},
                      json={"cohort_event": "Product Viewed", "period": "day", "periods": 9}, timeout=30)
    assert r.status_code == 200, r.text
    cohorts = {c["start"]: c for c in r.json()["cohorts"]}
    assert sum(c["size"] for c in cohorts.values()) == len(first)
    for start, c in cohorts.items():
        day = dt.date.fromisoformat(start)
        members = [u for u, d in first.items() if d == day]
        assert c["size"] == len(members)
        for k, count in enumerate(c["counts"]):
            if count is None:
                continue
            assert count == sum(1 for u in members if day + dt.timedelta(days=k) in days[u]), (start, k)
    out = run_cli("report", "retention", "--data", server.data, "--durability", "normal", "--cohort-event",
                  "Product Viewed", "--period", "day", "--periods", "9")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {row["cohort_start"]: int(row["size"]) for row in rows} == {s: c["size"] for s, c in cohorts.items()}

    bad = run_cli("report", "funnel", "--data", server.data, "--step", '"Order Completed" where revenue >', check=False)
    assert bad.returncode != 0 and "does not parse" in bad.stderr, bad.stderr


def test_aarrr_from_the_api_and_the_cli_equal_brute_force(server):
    """The AARRR dashboard over customers who arrive on the web or in the app (some from campaigns, some
    invited by a friend), sign up, buy and invite, checked against the definitions worked out here."""
    from segment.analytics.client import Client

    keys = server.credentials["writeKeys"]
    clients = {ch: Client(keys[ch], host=server.url, sync_mode=True) for ch in ("web", "app")}
    rng = random.Random(11)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    sent = {}  # user -> [(time, name, channel, properties, context)]
    for u in range(36):
        user = f"buyer-{u}"
        channel = rng.choice(["web", "app"])
        # Times 17 minutes past whole hours: no event sits on a boundary a few seconds' drift could move.
        first = now - dt.timedelta(hours=rng.randint(1, 24 * 24), minutes=17)
        campaign = rng.choice([None, "baidu", "douyin"])
        events = [(first, "Page Viewed", channel, {}, {"campaign": {"source": campaign, "name": "c"}} if campaign else {})]
        at = first
        if rng.random() < 0.6:
            at += dt.timedelta(hours=rng.randint(0, 200))
            props = {"referral_code": "R1"} if rng.random() < 0.3 else {}
            events.append((at, "Signed Up", channel, props, {}))
        for _ in range(rng.randint(0, 4)):
            t = first + dt.timedelta(hours=rng.randint(1, 24 * 24))
            if t < now:
                events.append((t, rng.choice(["Order Completed", "Page Viewed", "Invite Sent"]), rng.choice(["web", "app"]),
                               {"revenue": rng.randint(1, 500)}, {}))
        sent[user] = sorted([e for e in events if e[0] < now], key=lambda e: e[0])
    for user, events in sent.items():
        for at, name, channel, props, context in events:
            clients[channel].track(user, name, props, context=context, timestamp=at)

    offset = dt.timedelta(minutes=480)
    day = lambda t: (t + offset).date()
    periods = 25
    today = day(now)
    first_day = today - dt.timedelta(days=periods - 1)
    week = dt.timedelta(days=7)
    expected = {"new_profiles": 0, "orders": 0, "revenue": 0, "invites": 0, "referred": 0,
                "activation": [0, 0], "d1": [0, 0], "d7": [0, 0], "w1": [0, 0],
                "active_profiles": 0, "paying_profiles": 0, "repeat_profiles": 0, "inviters": 0,
                "channel": {}, "utm_source": {}}
    per_day = {}
    for user, events in sent.items():
        f = events[0][0]
        fd = day(f)
        in_range = [e for e in events if first_day <= day(e[0]) <= today]
        orders = [e for e in events if e[1] == "Order Completed"]
        expected["orders"] += sum(1 for e in in_range if e[1] == "Order Completed")
        expected["revenue"] += sum(e[3]["revenue"] for e in in_range if e[1] == "Order Completed")
        expected["invites"] += sum(1 for e in in_range if e[1] == "Invite Sent")
        expected["active_profiles"] += 1 if in_range else 0
        expected["paying_profiles"] += 1 if any(e[1] == "Order Completed" for e in in_range) else 0
        expected["repeat_profiles"] += 1 if len(orders) >= 2 and any(e[1] == "Order Completed" for e in in_range) else 0
        expected["inviters"] += 1 if any(e[1] == "Invite Sent" for e in in_range) else 0
        if not first_day <= fd <= today:
            continue
        per_day[fd.isoformat()] = per_day.get(fd.isoformat(), 0) + 1
        expected["new_profiles"] += 1
        expected["channel"][events[0][2]] = expected["channel"].get(events[0][2], 0) + 1
        source = events[0][4].get("campaign", {}).get("source", "(none)")
        expected["utm_source"][source] = expected["utm_source"].get(source, 0) + 1
        window = [e for e in events if e[0] - f < week]
        if f + week <= now:
            expected["activation"][0] += 1
            expected["activation"][1] += any(e[1] == "Signed Up" for e in window)
        days = {day(e[0]) for e in events}
        for n, key in ((1, "d1"), (7, "d7")):
            if fd + dt.timedelta(days=n) < today:
                expected[key][0] += 1
                expected[key][1] += (fd + dt.timedelta(days=n)) in days
        if fd + dt.timedelta(days=13) < today:
            expected["w1"][0] += 1
            expected["w1"][1] += any(fd + dt.timedelta(days=k) in days for k in range(7, 14))
        expected["referred"] += any(e[1] == "Signed Up" and "referral_code" in e[3] for e in window)

    token = server.credentials["adminToken"]
    body = {"period": "day", "periods": periods, "utc_offset_minutes": 480}

    def report():
        r = requests.post(server.url + "/v1/insights/aarrr", headers={"Authorization": f"Bearer {token}"},
                          json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    assert server.wait_for(lambda: (report()["total"]["orders"], report()["total"]["new_profiles"])
                           == (expected["orders"], expected["new_profiles"]), timeout=30), (report()["total"], expected)
    api = report()
    t = api["total"]
    for key in ("new_profiles", "orders", "revenue", "invites", "referred", "active_profiles", "paying_profiles",
                "repeat_profiles", "inviters"):
        assert t[key] == expected[key], (key, t[key], expected[key])
    for key in ("activation", "d1", "d7", "w1"):
        assert [t[key]["eligible"], t[key]["count"]] == expected[key], (key, t[key], expected[key])
    assert {x["label"]: x["count"] for x in t["acquisition"]["channel"]} == expected["channel"]
    assert {x["label"]: x["count"] for x in t["acquisition"]["utm_source"]} == expected["utm_source"]
    assert {p["start"]: p["new_profiles"] for p in api["periods"] if p["new_profiles"]} == per_day
    assert t["arpu"] == (expected["revenue"] / expected["active_profiles"])
    assert expected["new_profiles"] > 10 and expected["referred"] > 0 and expected["repeat_profiles"] > 0, expected

    # The CLI on the same data directory answers the same, as JSON and as CSV (a line per day, then the total).
    cli = json.loads(run_cli("report", "aarrr", "--data", server.data, "--durability", "normal", "--period", "day",
                             "--periods", str(periods), "--utc-offset-minutes", "480", "--format", "json").stdout)
    assert cli["total"] == t and [p["start"] for p in cli["periods"]] == [p["start"] for p in api["periods"]]
    rows = list(csv.DictReader(io.StringIO(run_cli(
        "report", "aarrr", "--data", server.data, "--durability", "normal", "--period", "day", "--periods", str(periods),
        "--utc-offset-minutes", "480").stdout)))
    assert len(rows) == periods + 1 and rows[-1]["start"] == "total"
    assert int(rows[-1]["new_profiles"]) == expected["new_profiles"] and float(rows[-1]["revenue"]) == expected["revenue"]
    bad = run_cli("report", "aarrr", "--data", server.data, "--acquisition", "trait:city", check=False)
    assert bad.returncode != 0 and "first touch" in bad.stderr, bad.stderr
