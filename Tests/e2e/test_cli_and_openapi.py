"""The command line on a data directory, and the OpenAPI document."""
import os
import shutil

import requests
from openapi_spec_validator import validate

from conftest import run_cli

HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, "..", "RapportEngineTests", "Fixtures")


def test_openapi_document_is_valid(server):
    doc = requests.get(server.url + "/openapi.json", timeout=10).json()
    validate(doc)
    assert "/v1/batch" in doc["paths"]


def test_import_cdnow_twice_and_stats(workdir):
    data = os.path.join(workdir, "cli")
    run_cli("demo", "--data", data, "--customers", "200")
    master = os.path.join(workdir, "CDNOW_master.txt")
    shutil.copy(os.path.join(FIXTURES, "CDNOW_master.txt"), master)
    first = run_cli("import", "orders", "--data", data, "--format", "cdnow", "--source", "cdnow", master)
    assert "69659 new events" in first.stdout, first.stdout
    second = run_cli("import", "orders", "--data", data, "--format", "cdnow", "--source", "cdnow", master)
    assert "0 new events, 69659 already there" in second.stdout, second.stdout
    stats = run_cli("stats", "--data", data, "--json").stdout
    import json
    s = json.loads(stats)
    assert s["events"] >= 69659
    assert s["identifiersByKind"]["user_id"] >= 23570
    assert s["checkpoint"] == s["lastSeq"], "the CLI projected what it imported"


def test_rejects_file_and_help(workdir):
    data = os.path.join(workdir, "cli2")
    run_cli("demo", "--data", data, "--customers", "100")
    path = os.path.join(workdir, "contacts.csv")
    with open(path, "w") as f:
        f.write("id,mail,mobile\nx1,a@example.com,13800138000\n,,\nx2,\"broken\n")
    out = run_cli("import", "contacts", "--data", data, "--map", "user_id=id,email=mail,phone=mobile", path)
    assert "1 new events" in out.stdout, out.stdout
    rejects = open(path + ".rejects.csv").read()
    assert "missing_user_id_or_anonymous_id" in rejects and "invalid_csv" in rejects
    help_text = run_cli("--help").stdout
    for word in ["serve", "demo", "import", "stats", "tokens", "keys", "generate"]:
        assert word in help_text
    bad = run_cli("tokens", "create", "--data", data, "--role", "king", check=False)
    assert bad.returncode != 0 and "role" in bad.stderr
    bad = run_cli("stats", "--data", data, "--dedupe-hours", "0", check=False)
    assert bad.returncode != 0 and "--dedupe-hours" in bad.stderr
    serve_help = run_cli("serve", "--help").stdout
    assert "--dedupe-hours" in serve_help
