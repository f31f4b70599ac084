"""Several `rapport serve` processes on one real PostgreSQL database (the throwaway cluster of
scripts/postgres.sh, named by RAPPORT_TEST_POSTGRES_URL): events sent to any node are on every
node's profiles, dedupe holds across nodes, identify calls that race on two nodes end in one
profile, and when the projection's writer is killed another node takes over."""
import os
import subprocess
import threading
import uuid

import pytest
import requests

from conftest import BIN, Server, free_port

URL = os.environ.get("RAPPORT_TEST_POSTGRES_URL", "")
if not URL:
    if os.environ.get("RAPPORT_REQUIRE_POSTGRES") == "1":
        raise RuntimeError("RAPPORT_REQUIRE_POSTGRES=1 but RAPPORT_TEST_POSTGRES_URL is not set")
    pytest.skip("RAPPORT_TEST_POSTGRES_URL is not set: the PostgreSQL end-to-end tests did not run "
                "(run them with `bash scripts/postgres.sh bash scripts/e2e.sh`)", allow_module_level=True)


def database():
    """A URL of its own schema in the test cluster."""
    sep = "&" if "?" in URL else "?"
    return f"{URL}{sep}sslmode=disable&schema=e2e_{uuid.uuid4().hex[:12]}"


def node(workdir, name, db):
    return Server(os.path.join(workdir, name), free_port(), extra=["--database", db])


def health(s):
    try:
        return requests.get(s.url + "/health", timeout=2).json()
    except requests.RequestException:
        return {}


def caught_up(nodes):
    """Every node has applied the whole log."""
    hs = [health(s) for s in nodes]
    return all(h and h["projected"] >= h["logPosition"] for h in hs) and len({h["logPosition"] for h in hs}) == 1


def test_nodes_share_profiles_dedupe_races_and_failover(workdir):
    db = database()
    first = node(workdir, "a", db).start()
    creds = first.credentials
    second = node(workdir, "b", db)
    second.data_creds = creds
    second.start()
    # The second node found the workspace the first set up: one set of credentials serves both.
    assert not os.path.exists(os.path.join(second.data, "credentials.json"))
    nodes = [first, second]
    key = creds["writeKeys"]["web"]
    token = creds["adminToken"]
    auth = {"Authorization": f"Bearer {token}"}
    try:
        assert first.wait_for(lambda: sum(bool(health(s).get("projectionLeader")) for s in nodes) == 1, timeout=20), \
            "exactly one node writes the projection"

        # Identify calls that race on the two nodes: the same email, a user id on one, a device on the other.
        run = uuid.uuid4().hex[:6]
        people = 40

        def send(target, make):
            session = requests.Session()
            for i in range(people):
                r = session.post(target.url + "/v1/batch", json={"batch": [make(i)]}, auth=(key, ""), timeout=10)
                assert r.status_code == 200, r.text

        threads = [
            threading.Thread(target=send, args=(first, lambda i: {
                "type": "identify", "userId": f"u-{run}-{i}", "messageId": f"{run}-u-{i}",
                "traits": {"email": f"p{i}-{run}@example.com"}})),
            threading.Thread(target=send, args=(second, lambda i: {
                "type": "identify", "anonymousId": f"d-{run}-{i}", "messageId": f"{run}-d-{i}",
                "traits": {"email": f"p{i}-{run}@example.com", "phone": f"1380013{i:04d}"}})),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # The same message sent to both nodes is stored once.
        dup = {"type": "track", "userId": f"u-{run}-0", "event": "Order Completed", "messageId": f"{run}-dup",
               "properties": {"revenue": 10}}
        for s in nodes:
            r = requests.post(s.url + "/v1/batch", json={"batch": [dup]}, auth=(key, ""), timeout=10)
            assert r.status_code == 200
        assert first.wait_for(lambda: caught_up(nodes), timeout=30), [health(s) for s in nodes]

        for i in range(people):
            seen = []
            for s, ident in ((first, f"anonymous_id:d-{run}-{i}"), (second, f"user_id:u-{run}-{i}"),
                             (second, f"email:p{i}-{run}@example.com")):
                r = requests.get(s.url + "/v1/profiles", params={"identifier": ident}, headers=auth, timeout=10)
                assert r.status_code == 200, (ident, r.text)
                seen.append(r.json())
            assert len({p["id"] for p in seen}) == 1, f"person {i} is one profile on both nodes"
            kinds = {x["kind"] for x in seen[0]["identifiers"]}
            assert {"user_id", "anonymous_id", "email", "phone"} <= kinds, f"no identifier lost: {kinds}"
        orders = requests.get(first.url + "/v1/profiles", params={"identifier": f"user_id:u-{run}-0"},
                              headers=auth, timeout=10).json()["aggregates"]
        assert orders["orders"] == 1, "the order sent to both nodes counts once"

        # The writer's state reaches the database: one profile per person, no duplicates.
        def flushed():
            st = requests.get(first.url + "/v1/stats", headers=auth, timeout=10).json()
            return st if st["projectionCheckpoint"] >= st["logPosition"] else None
        st = first.wait_for(flushed, timeout=30)
        assert st, "the writer flushed"
        assert st["profiles"] == people
        assert st["identifiersByKind"]["email"] == people and st["identifiersByKind"]["user_id"] == people

        # kill -9 the writer: the other node takes the lease (10 s) and goes on writing.
        leader = first if health(first).get("projectionLeader") else second
        follower = second if leader is first else first
        leader.kill9()
        more = [{"type": "identify", "userId": f"late-{run}-{i}", "messageId": f"{run}-late-{i}",
                 "traits": {"wechat_openid": f"o{run}{i}"}} for i in range(20)]
        r = requests.post(follower.url + "/v1/batch", json={"batch": more}, auth=(key, ""), timeout=10)
        assert r.status_code == 200
        assert follower.wait_for(lambda: health(follower).get("projectionLeader"), timeout=30), \
            "the follower took over the projection"

        def all_flushed():
            s2 = requests.get(follower.url + "/v1/stats", headers=auth, timeout=10).json()
            return s2 if s2["projectionCheckpoint"] >= s2["logPosition"] else None
        s2 = follower.wait_for(all_flushed, timeout=30)
        assert s2 and s2["profiles"] == people + 20
        r = requests.get(follower.url + "/v1/profiles", params={"identifier": f"user_id:late-{run}-3"},
                         headers=auth, timeout=10)
        assert r.status_code == 200

        # A node started afterwards serves the same state from the database.
        third = Server(os.path.join(workdir, "c"), free_port(), extra=["--database", db]).start()
        nodes.append(third)
        assert third.wait_for(lambda: caught_up([follower, third]), timeout=30)
        r = requests.get(third.url + "/v1/profiles", params={"identifier": f"user_id:u-{run}-7"}, headers=auth,
                         timeout=10)
        assert r.status_code == 200 and {x["kind"] for x in r.json()["identifiers"]} >= {"user_id", "anonymous_id"}
    finally:
        for s in nodes:
            s.stop()


def test_partitions_are_written_by_different_nodes_and_fail_over(workdir):
    """Two workspaces in two partitions: each node writes one, and when one is killed the other writes both."""
    db = database()
    run("migrate", "--database", db)
    out = run("partitions", "2", "--database", db)
    assert "now has 2" in out, out
    first = node(workdir, "a", db).start()
    creds = first.credentials
    import json
    other = json.loads(run("workspaces", "create", "shop-2", "--json", "--database", db))
    assert other["adminUser"] == "admin@shop-2", "the first workspace keeps its admin login"
    second = node(workdir, "b", db)
    second.data_creds = creds
    second.start()
    nodes = [first, second]
    keys = [creds["writeKeys"]["web"], other["writeKeys"]["web"]]
    tokens = [creds["adminToken"], other["adminToken"]]
    try:
        def written():
            return [sorted(health(s).get("writtenPartitions", [])) for s in nodes]
        assert first.wait_for(lambda: sorted(sum(written(), [])) == [0, 1] and all(len(w) == 1 for w in written()),
                              timeout=30), f"each node writes one partition: {written()}"
        assert all(health(s)["projectionPartitions"] == 2 for s in nodes)

        run_id = uuid.uuid4().hex[:6]

        def send(target, k, n, tag):
            batch = []
            for i in range(n):
                batch.append({"type": "identify", "userId": f"{tag}-{run_id}-{i}", "messageId": f"{run_id}-{tag}-{i}",
                              "traits": {"email": f"{tag}{i}-{run_id}@example.com"}})
                batch.append({"type": "track", "userId": f"{tag}-{run_id}-{i}", "event": "Order Completed",
                              "messageId": f"{run_id}-{tag}-o{i}", "properties": {"revenue": 5}})
            r = requests.post(target.url + "/v1/batch", json={"batch": batch}, auth=(k, ""), timeout=10)
            assert r.status_code == 200, r.text

        # Each workspace's events arrive at both nodes.
        for w, k in enumerate(keys):
            send(first, k, 15, f"w{w}a")
            send(second, k, 15, f"w{w}b")
        assert first.wait_for(lambda: caught_up(nodes), timeout=30), [health(s) for s in nodes]

        def stats(s, token):
            return requests.get(s.url + "/v1/stats", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()

        def both_flushed(s):
            sts = [stats(s, t) for t in tokens]
            return sts if all(st["projectionCheckpoint"] >= st["logPosition"] for st in sts) else None
        sts = first.wait_for(lambda: both_flushed(first), timeout=30)
        assert sts, "both partitions flushed, each by its writer"
        assert [st["profiles"] for st in sts] == [30, 30]
        assert [st["orders"] for st in sts] == [30, 30]
        # Profile ids are numbered per workspace.
        for w, token in enumerate(tokens):
            r = requests.get(second.url + "/v1/profiles", params={"identifier": f"user_id:w{w}a-{run_id}-3"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
            assert r.status_code == 200, r.text
            assert r.json()["id"] > 2 ** 32

        # kill -9 one writer: the other takes its partition over (its leases lapse in 10 s) and writes both.
        victim, survivor = first, second
        victim.kill9()
        for w, k in enumerate(keys):
            send(survivor, k, 10, f"w{w}late")
        assert survivor.wait_for(lambda: sorted(health(survivor).get("writtenPartitions", [])) == [0, 1],
                                 timeout=40), health(survivor)
        sts = survivor.wait_for(lambda: both_flushed(survivor), timeout=30)
        assert sts and [st["profiles"] for st in sts] == [40, 40]
        assert [st["orders"] for st in sts] == [40, 40]
        assert [st["identifiersByKind"]["email"] for st in sts] == [40, 40], "no identifier lost or stored twice"

        # A node started afterwards, from the stored partitions, serves the same.
        third = Server(os.path.join(workdir, "c"), free_port(), extra=["--database", db]).start()
        nodes.append(third)
        assert third.wait_for(lambda: caught_up([survivor, third]), timeout=30)
        for w, token in enumerate(tokens):
            ident = {"identifier": f"user_id:w{w}late-{run_id}-4"}
            a = requests.get(survivor.url + "/v1/profiles", params=ident,
                             headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
            b = requests.get(third.url + "/v1/profiles", params=ident,
                             headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
            assert a["id"] == b["id"] and a["aggregates"]["orders"] == b["aggregates"]["orders"] == 1
        out = run("partitions", "--database", db)
        assert "Partitions: 2" in out and "written by" in out, out
    finally:
        for s in nodes:
            s.stop()


def test_migrate_and_stats_on_postgres(workdir):
    db = database()
    out = subprocess.run([BIN, "migrate", "--database", db], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "version 1" in out.stdout
    assert "sslmode" in out.stdout and "postgres://" in out.stdout
    out = subprocess.run([BIN, "stats", "--database", db, "--data", os.path.join(workdir, "d")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Events:       0" in out.stdout
    bad = subprocess.run([BIN, "stats", "--database", "postgres://u@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "cannot open the PostgreSQL database" in bad.stderr


def run(*args, timeout=300):
    out = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"rapport {' '.join(args)}: {out.stderr}{out.stdout}"
    return out.stdout


def stats_json(*args):
    import json
    return json.loads(run("stats", "--json", *args))


def test_move_sqlite_to_postgres_then_back_up_and_restore_both(workdir):
    """A SQLite data directory moves to PostgreSQL (export, import), and each store is backed up
    and restored with the CLI (SQLite's online backup, pg_dump/pg_restore), losing nothing."""
    data = os.path.join(workdir, "sqlite")
    run("demo", "--data", data, "--customers", "300", "--days", "60")
    before = stats_json("--data", data)
    assert before["events"] > 5000

    # SQLite → PostgreSQL.
    export = os.path.join(workdir, "all.jsonl")
    out = run("export", "--data", data, "--to", export)
    assert f"--after {before['lastSeq']}" in out
    db = database()
    out = run("import", "store", export, "--database", db, "--data", os.path.join(workdir, "pg"))
    assert "restored with their ids" in out
    moved = stats_json("--database", db, "--data", os.path.join(workdir, "pg"))
    assert moved["lastSeq"] == before["lastSeq"] and moved["events"] == before["events"]
    assert moved["eventsBySource"] == before["eventsBySource"]
    # A server on the new store projects the moved log into the same profiles.
    server = node(workdir, "pgserve", db).start()
    try:
        token = json_token(data)
        auth = {"Authorization": f"Bearer {token}"}

        def flushed():
            st = requests.get(server.url + "/v1/stats", headers=auth, timeout=10).json()
            return st if st["projectionCheckpoint"] >= st["logPosition"] else None
        st = server.wait_for(flushed, timeout=60)
        assert st, "the new store's server projected the moved log"
        if st["profiles"] != before["liveProfiles"]:
            print(st)
            print(open(os.path.join(workdir, f"server-{server.port}.log")).read()[-4000:])
        assert st["profiles"] == before["liveProfiles"]
        assert st["identifiersByKind"] == before["identifiersByKind"]
    finally:
        server.stop()

    # SQLite backup and restore.
    backup = os.path.join(workdir, "sqlite-backup")
    run("backup", "--data", data, "--to", backup)
    restored = os.path.join(workdir, "sqlite-restored")
    run("restore", "--from", backup, "--data", restored)
    again = stats_json("--data", restored)
    assert again["lastSeq"] == before["lastSeq"] and again["events"] == before["events"]
    assert again["liveProfiles"] == before["liveProfiles"]
    assert os.path.exists(os.path.join(restored, "credentials.json"))

    # PostgreSQL backup (pg_dump) and restore (pg_restore) into another database.
    pg_backup = os.path.join(workdir, "pg-backup")
    run("backup", "--database", db, "--data", os.path.join(workdir, "pg"), "--to", pg_backup)
    assert os.path.exists(os.path.join(pg_backup, "rapport.pgdump"))
    name = f"restored_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", URL, "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    base, _, query = URL.partition("?")
    other = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    schema = db.split("schema=")[1]
    sep = "&" if "?" in other else "?"
    target = f"{other}{sep}sslmode=disable&schema={schema}"
    run("restore", "--from", pg_backup, "--database", target, "--data", os.path.join(workdir, "pg2"))
    back = stats_json("--database", target, "--data", os.path.join(workdir, "pg2"))
    assert back["lastSeq"] == before["lastSeq"] and back["events"] == before["events"]
    assert back["liveProfiles"] == before["liveProfiles"]

    # The default schema (public), which every database already has, backs up and restores too.
    def fresh_database():
        n = f"rapport_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", URL, "-c", f"CREATE DATABASE {n}"], check=True, capture_output=True)
        return base.rsplit("/", 1)[0] + f"/{n}?sslmode=disable"
    public = fresh_database()
    run("import", "store", export, "--database", public, "--data", os.path.join(workdir, "pub"))
    run("backup", "--database", public, "--data", os.path.join(workdir, "pub"), "--to", os.path.join(workdir, "pub-backup"))
    public_restored = fresh_database()
    run("restore", "--from", os.path.join(workdir, "pub-backup"), "--database", public_restored,
        "--data", os.path.join(workdir, "pub2"))
    assert stats_json("--database", public_restored, "--data", os.path.join(workdir, "pub2"))["events"] == before["events"]


def json_token(data):
    import json
    with open(os.path.join(data, "credentials.json")) as f:
        return json.load(f)["adminToken"]
