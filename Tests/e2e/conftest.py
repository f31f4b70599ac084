"""Shared fixtures for Rapport's end-to-end tests: a real `rapport serve` process on a
free loopback port with its own data directory, driven by real clients."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

BIN = os.environ.get("RAPPORT_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "rapport"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data_dir, port, extra=()):
        self.data = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.extra = list(extra)
        self.proc = None
        os.makedirs(data_dir, exist_ok=True)
        self.log = open(os.path.join(data_dir, "..", f"server-{port}.log"), "ab")

    def start(self, timeout=60):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data", self.data, "--port", str(self.port), "--durability", "normal"] + self.extra,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rapport serve exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("rapport serve did not become healthy")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    @property
    def credentials(self):
        with open(os.path.join(self.data, "credentials.json")) as f:
            return json.load(f)

    def admin(self, path, **kw):
        token = self.credentials["adminToken"]
        return requests.get(self.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kw)

    def wait_for(self, check, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.1)
        return check()


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="rapport-e2e-") as d:
        yield d


@pytest.fixture
def server(workdir):
    s = Server(os.path.join(workdir, "data"), free_port()).start()
    yield s
    s.stop()


def run_cli(*args, check=True):
    return subprocess.run([BIN, *args], capture_output=True, text=True, check=check, timeout=300)
