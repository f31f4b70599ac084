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
