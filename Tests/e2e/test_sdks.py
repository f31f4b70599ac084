"""The real Segment and RudderStack Python SDKs, pointed at Rapport, deliver every call type;
the calls show up on the right profiles."""
import uuid


def profile(server, identifier):
    r = server.admin("/v1/profiles", params={"identifier": identifier})
    return r.json() if r.status_code == 200 else None


def events_of(server, profile_id):
    r = server.admin(f"/v1/profiles/{profile_id}/events", params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.json()["events"]


def test_segment_python_sdk(server):
    import segment.analytics as analytics

    errors = []
    analytics.write_key = server.credentials["writeKeys"]["web"]
    analytics.host = server.url
    analytics.on_error = lambda e, batch: errors.append(e)
    analytics.sync_mode = False
    user = "seg-" + uuid.uuid4().hex[:8]
    anon = "anon-" + uuid.uuid4().hex[:8]
    analytics.page(anonymous_id=anon, category="Docs", name="Pricing", properties={"path": "/pricing"})
    analytics.identify(user, {"email": f"{user}@Example.com", "name": "张伟", "city": "上海"}, anonymous_id=anon)
    analytics.track(user, "Order Completed", {"order_id": "o1", "revenue": 88.8, "currency": "CNY"})
    analytics.group(user, "company-1", {"name": "Acme"})
    analytics.alias(user + "-old", user)
    analytics.flush()
    analytics.shutdown()
    assert not errors

    p = server.wait_for(lambda: (lambda q: q if q and q["aggregates"]["events"] >= 5 else None)(profile(server, f"user_id:{user}")))
    assert p is not None, "the profile did not appear"
    kinds = {(i["kind"], i["value"]) for i in p["identifiers"]}
    assert ("email", f"{user}@example.com") in kinds
    assert ("anonymous_id", anon) in kinds
    assert p["traits"]["city"]["value"] == "上海"
    assert p["aggregates"]["orders"] == 1
    assert abs(p["aggregates"]["revenue"] - 88.8) < 1e-9
    names = sorted(e["name"] for e in events_of(server, p["id"]))
    assert names == sorted(["page", "identify", "Order Completed", "group", "alias"])
    # The same person is found by the email, in any case.
    assert profile(server, f"email:{user.upper()}@EXAMPLE.COM")["id"] == p["id"]


def test_rudderstack_python_sdk_gzip(server):
    import rudderstack.analytics as rudder

    errors = []
    rudder.write_key = server.credentials["writeKeys"]["app"]
    rudder.dataPlaneUrl = server.url
    rudder.on_error = lambda e, batch: errors.append(e)
    user = "rs-" + uuid.uuid4().hex[:8]
    rudder.identify(user, {"phone": "+86 139 1234 5678", "wechat_unionid": "oU-" + user})
    rudder.track(user, "Product Viewed", {"product_id": "p-1", "price": 12})
    rudder.page(user, category="Shop", name="Home")
    rudder.screen(user, name="Cart")
    rudder.group(user, "g-1", {"plan": "pro"})
    rudder.alias(user + "-prev", user)
    rudder.flush()
    rudder.shutdown()
    assert not errors

    p = server.wait_for(lambda: (lambda q: q if q and q["aggregates"]["events"] >= 6 else None)(profile(server, "phone:+8613912345678")))
    assert p is not None
    assert {"kind": "wechat_unionid", "value": "oU-" + user} in [{"kind": i["kind"], "value": i["value"]} for i in p["identifiers"]]
    names = sorted(e["name"] for e in events_of(server, p["id"]))
    assert names == sorted(["identify", "Product Viewed", "page", "screen", "group", "alias"])
    assert all(e["source"] == "app" for e in events_of(server, p["id"]))
