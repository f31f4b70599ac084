"""Nothing acknowledged is lost: kill -9 the server while a client sends; after a restart every
acknowledged messageId is in the log and on its profile."""
import threading
import time
import uuid

import requests

from conftest import Server


def test_kill9_loses_nothing_acknowledged(workdir):
    import os
    data = os.path.join(workdir, "data")
    server = Server(data, __import__("conftest").free_port()).start()
    key = server.credentials["writeKeys"]["web"]
    acked = {}  # messageId -> userId
    stop = threading.Event()
    run = uuid.uuid4().hex[:6]

    def send():
        n = 0
        session = requests.Session()
        while not stop.is_set():
            batch = []
            for i in range(50):
                user = f"k9-{run}-{(n + i) % 37}"
                batch.append({"type": "track", "userId": user, "event": "Tick",
                              "messageId": f"{run}-{n + i}", "properties": {"n": n + i}})
            try:
                r = session.post(server.url + "/v1/batch", json={"batch": batch}, auth=(key, ""), timeout=5)
            except requests.RequestException:
                return
            if r.status_code == 200:
                for m in batch:
                    acked[m["messageId"]] = m["userId"]
            n += 50

    t = threading.Thread(target=send)
    t.start()
    time.sleep(2.0)
    server.kill9()
    stop.set()
    t.join()
    assert len(acked) > 500, f"only {len(acked)} messages were acknowledged before the kill"

    server = Server(data, server.port).start()
    try:
        by_user = {}
        for mid, user in acked.items():
            by_user.setdefault(user, set()).add(mid)

        def all_there():
            for user, mids in by_user.items():
                r = server.admin("/v1/profiles", params={"identifier": f"user_id:{user}"})
                if r.status_code != 200:
                    return False
                seen = set()
                url = f"/v1/profiles/{r.json()['id']}/events?limit=500"
                while url:
                    page = server.admin(url).json()
                    seen |= {e["messageId"] for e in page["events"]}
                    url = (f"/v1/profiles/{r.json()['id']}/events" + page["next"]) if page.get("next") else None
                if not mids <= seen:
                    return False
            return True

        assert server.wait_for(all_there, timeout=60), "some acknowledged messages are missing after the restart"
    finally:
        server.stop()
