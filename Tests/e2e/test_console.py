"""The console in a real browser (Debian's chromium + chromedriver, selenium): log in, the
overview, switching to Chinese, customer search, the customer 360 page and undoing a merge."""
import csv
import io
import os
import shutil
import time

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import Server, free_port, run_cli


@pytest.fixture
def browser():
    options = Options()
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(arg)
    chromium = shutil.which("chromium")
    if chromium:
        options.binary_location = chromium
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def demo_server(workdir):
    s = Server(os.path.join(workdir, "data"), free_port(), extra=["--demo", "--demo-customers", "300"]).start(timeout=180)
    yield s
    s.stop()


def login(browser, server):
    creds = server.credentials
    browser.get(server.url + "/")
    assert "/login" in browser.current_url
    browser.find_element(By.ID, "username").send_keys(creds["adminUser"])
    browser.find_element(By.ID, "password").send_keys(creds["adminPassword"])
    browser.find_element(By.ID, "login-submit").click()


def test_console_walkthrough(browser, demo_server):
    server = demo_server
    browser.get(server.url + "/login")
    browser.find_element(By.ID, "username").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys("wrong")
    browser.find_element(By.ID, "login-submit").click()
    assert browser.find_element(By.ID, "login-error").is_displayed()

    login(browser, server)
    profiles = browser.find_element(By.ID, "stat-profiles").text
    assert any(ch.isdigit() for ch in profiles)
    assert browser.find_elements(By.CSS_SELECTOR, "svg")
    browser.save_screenshot(os.path.join(server.data, "..", "overview.png"))

    browser.find_element(By.ID, "lang-zh").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "概览" in browser.page_source
    browser.find_element(By.ID, "lang-en").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"

    # Make a merge we can undo, through the public API.
    key = server.credentials["writeKeys"]["web"]
    batch = [
        {"type": "identify", "anonymousId": "sel-web", "messageId": "sel-1", "traits": {"email": "selenium@example.com", "name": "Selenium Tester"}},
        {"type": "identify", "anonymousId": "sel-app", "messageId": "sel-2", "traits": {"phone": "13700001234"}},
        {"type": "identify", "anonymousId": "sel-app", "messageId": "sel-3", "traits": {"email": "selenium@example.com"}},
    ]
    assert requests.post(server.url + "/v1/batch", json={"batch": batch}, auth=(key, ""), timeout=10).status_code == 200
    time.sleep(0.5)

    browser.get(server.url + "/customers")
    box = browser.find_element(By.ID, "search-q")
    box.send_keys("selenium@example.com")
    browser.find_element(By.ID, "search-submit").click()
    links = browser.find_elements(By.CSS_SELECTOR, "#results a.customer-link")
    assert len(links) == 1
    links[0].click()
    assert browser.find_element(By.ID, "customer-id").text.strip() != ""
    identifiers = browser.find_element(By.ID, "identifiers").text
    assert "selenium@example.com" in identifiers and "+8613700001234" in identifiers
    assert "Selenium Tester" in browser.find_element(By.ID, "traits").text
    assert browser.find_element(By.ID, "timeline").text.count("identify") >= 3
    browser.save_screenshot(os.path.join(server.data, "..", "customer.png"))

    buttons = browser.find_elements(By.CSS_SELECTOR, "button.unmerge-button")
    assert len(buttons) == 1
    buttons[0].click()
    assert browser.find_element(By.ID, "flash").is_displayed()
    assert not browser.find_elements(By.CSS_SELECTOR, "button.unmerge-button")
    assert "+8613700001234" not in browser.find_element(By.ID, "identifiers").text

    # A demo customer's 360 page renders with a timeline.
    browser.get(server.url + "/customers?q=%40")
    links = browser.find_elements(By.CSS_SELECTOR, "#results a.customer-link")
    assert links
    links[0].click()
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline tr")


def download_csv(browser, link_id):
    """The rows of the CSV file a page's download link gives, fetched with the browser's session."""
    link = browser.find_element(By.ID, link_id).get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    return list(csv.DictReader(io.StringIO(requests.get(link, cookies=cookies, timeout=30).text)))


def wait_until(check, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if check():
                return True
        except Exception:
            pass
        time.sleep(0.1)
    return check()


def test_segment_builder_shows_the_live_size_and_saves(browser, demo_server):
    server = demo_server
    token = server.credentials["adminToken"]

    def api_size(condition):
        r = requests.post(server.url + "/v1/segments/preview", headers={"Authorization": f"Bearer {token}"},
                          json={"condition": condition}, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["size"]

    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")  # signed in: the overview has loaded
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/segments']").click()
    assert "/segments" in browser.current_url
    browser.get(server.url + "/segments?lang=en")
    demo = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#segment-list .segment-name")]
    assert "big_spenders" in demo and not browser.find_elements(By.ID, "no-segments")
    box = browser.find_element(By.ID, "condition")
    live = browser.find_element(By.ID, "live-size")

    buyers = 'did "Order Completed"'
    expected = api_size(buyers)
    assert 0 < expected < 300
    box.send_keys(buyers)
    assert wait_until(lambda: live.get_attribute("data-size") == str(expected)), live.text
    assert f"{expected} of" in live.text

    # Half-typed: the error says where, and the size goes away.
    box.send_keys(" within")
    error = browser.find_element(By.ID, "condition-error")
    assert wait_until(lambda: error.is_displayed() and "(1:" in error.text), error.text
    assert live.get_attribute("data-size") is None

    # Finished: a narrower size, as the API counts it.
    recent = buyers + " within 30 days"
    narrower = api_size(recent)
    box.send_keys(" 30 days")
    assert wait_until(lambda: live.get_attribute("data-size") == str(narrower)), live.text
    assert wait_until(lambda: not error.is_displayed())
    assert narrower <= expected

    browser.find_element(By.ID, "segment-name").send_keys("近期买家")
    browser.find_element(By.ID, "segment-save").click()
    assert wait_until(lambda: "近期买家" in browser.find_element(By.ID, "flash").text)
    rows = [r for r in browser.find_elements(By.CSS_SELECTOR, "#segment-list tbody tr")
            if r.find_element(By.CLASS_NAME, "segment-name").text == "近期买家"]
    assert [r.find_element(By.CLASS_NAME, "segment-size").text for r in rows] == [str(narrower)]
    assert rows[0].find_elements(By.CSS_SELECTOR, "svg.sparkline")
    r = requests.get(server.url + "/v1/segments/近期买家", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.json()["condition"] == recent and r.json()["size"] == narrower

    # A bad condition saved from the form is refused with the reason, and the text is kept.
    box = browser.find_element(By.ID, "condition")
    box.clear()
    box.send_keys("count >")
    browser.find_element(By.ID, "segment-name").send_keys("bad")
    browser.find_element(By.ID, "segment-save").click()
    assert wait_until(lambda: "(1:" in browser.find_element(By.ID, "flash").text)
    assert browser.find_element(By.ID, "condition").get_attribute("value") == "count >"

    browser.get(server.url + "/segments?lang=zh-CN")
    assert browser.find_element(By.TAG_NAME, "h1").text == "人群分群"
    browser.save_screenshot(os.path.join(server.data, "..", "segments.png"))


def test_lifecycle_overview_and_a_customers_stage_with_its_reason(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}
    # The demo comes with the default model; the projection applies it as it starts.
    assert wait_until(lambda: sum(s["size"] for s in requests.get(server.url + "/v1/lifecycle", headers=headers,
                                                                  timeout=10).json()["stages"]) > 0, timeout=60)
    overview = requests.get(server.url + "/v1/lifecycle", headers=headers, timeout=10).json()
    sizes = {s["name"]: s["size"] for s in overview["stages"]}
    assert list(sizes) == ["won_back", "new", "loyal", "active", "at_risk", "churned", "potential"]
    assert all(n > 0 for n in sizes.values()), sizes

    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/lifecycle']").click()
    assert "/lifecycle" in browser.current_url

    # The stages as the API counts them, in Chinese; the moves once the server has announced them.
    def page_sizes():
        browser.get(server.url + "/lifecycle?lang=zh-CN")
        rows = browser.find_elements(By.CSS_SELECTOR, "#stages tbody tr[data-stage]")
        return {r.get_attribute("data-stage"): int(r.find_element(By.CLASS_NAME, "stage-size").text.replace(",", ""))
                for r in rows if r.get_attribute("data-stage")}
    assert page_sizes() == sizes
    assert browser.find_element(By.TAG_NAME, "h1").text == "生命周期"
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#stages .stage-label")]
    assert labels[4] == "流失预警" and "流失预警" in browser.find_element(By.CSS_SELECTOR, "tr[data-stage='at_risk']").text
    assert wait_until(lambda: browser.get(server.url + "/lifecycle?lang=zh-CN") or
                      sum(int(e.text.replace(",", "")) for e in browser.find_elements(By.CSS_SELECTOR, "#flows .flow-count"))
                      == sum(sizes.values()), timeout=30)
    browser.save_screenshot(os.path.join(server.data, "..", "lifecycle.png"))

    # A customer at risk: the stage, why (their last order's date and how long ago), their segments.
    r = requests.put(server.url + "/v1/segments/e2e_at_risk", headers=headers,
                     json={"condition": 'stage = "at_risk"'}, timeout=10)
    assert r.status_code == 200 and r.json()["size"] == sizes["at_risk"], r.text
    member = requests.get(server.url + "/v1/segments/e2e_at_risk/members?limit=1", headers=headers,
                          timeout=10).json()["members"][0]["profile_id"]
    browser.get(server.url + f"/customers/{int(member)}?lang=en")
    stage = browser.find_element(By.ID, "stage")
    assert stage.get_attribute("data-stage") == "at_risk"
    assert browser.find_element(By.ID, "stage-label").text == "At risk"
    reasons = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#stage-reason li")]
    assert len(reasons) == 2 and all("days ago" in r for r in reasons), reasons
    assert "e2e_at_risk" in browser.find_element(By.ID, "profile-segments").text
    assert "lifetime_revenue" in browser.find_element(By.ID, "computed-traits").text
    rfm = requests.get(server.url + f"/v1/profiles/{int(member)}", headers=headers, timeout=10).json()["rfm"]
    assert browser.find_element(By.ID, "profile-rfm").get_attribute("data-score") == rfm["score"]
    assert rfm["group"] in browser.find_element(By.ID, "profile-rfm").text
    # The change of stage and the churn warning are on the customer's timeline.
    assert wait_until(lambda: browser.get(server.url + f"/customers/{int(member)}?lang=en") or
                      ("Churn Warning" in browser.find_element(By.ID, "timeline").text
                       and "Lifecycle Stage Changed" in browser.find_element(By.ID, "timeline").text), timeout=30)
    browser.save_screenshot(os.path.join(server.data, "..", "customer-stage.png"))


def test_rfm_grid_and_cluster_profiles_agree_with_the_api(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}
    # The demo comes with RFM and clusters over recency, frequency and spend.
    assert wait_until(lambda: requests.get(server.url + "/v1/rfm", headers=headers, timeout=10).json().get("scored", 0) > 0,
                      timeout=60)
    rfm = requests.get(server.url + "/v1/rfm", headers=headers, timeout=10).json()
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/rfm']").click()
    cells = {(int(c.get_attribute("data-r")), int(c.get_attribute("data-f"))): int(c.get_attribute("data-customers"))
             for c in browser.find_elements(By.CSS_SELECTOR, "#rfm-grid td.rfm-cell")}
    assert cells == {(c["r"], c["f"]): c["customers"] for c in rfm["cells"]}
    assert sum(cells.values()) == rfm["scored"] == int(browser.find_element(By.ID, "rfm-scored").text.replace(",", ""))
    groups = {r.get_attribute("data-group"): int(r.find_element(By.CLASS_NAME, "group-count").text.replace(",", ""))
              for r in browser.find_elements(By.CSS_SELECTOR, "#rfm-groups tbody tr")}
    assert groups == {g["group"]: g["customers"] for g in rfm["groups"]}
    browser.get(server.url + "/rfm?lang=zh-CN")
    assert "重要价值客户" in browser.find_element(By.ID, "rfm-groups").text
    browser.save_screenshot(os.path.join(server.data, "..", "rfm.png"))

    # Cluster profiles: the sizes the API gives; naming a cluster; its segment from the builder.
    clusters = requests.get(server.url + "/v1/clusters", headers=headers, timeout=10).json()
    assert len(clusters["clusters"]) == 5 and clusters["model"]["features"][0]["attribute"] == "rfm.recency_days"
    browser.get(server.url + "/clusters?lang=en")
    rows = browser.find_elements(By.CSS_SELECTOR, "#clusters tbody tr[data-cluster]")
    sizes = {r.get_attribute("data-cluster"): int(r.find_element(By.CLASS_NAME, "cluster-size").text.replace(",", ""))
             for r in rows}
    assert sizes == {**{str(c["number"]): c["size"] for c in clusters["clusters"]}, "": clusters["unassigned"]}
    assert len(browser.find_elements(By.CSS_SELECTOR, "#clusters tr[data-cluster='1'] td.cluster-figure")) == 3
    name = browser.find_element(By.CSS_SELECTOR, "input[name='name_2']")
    name.clear()
    name.send_keys("高价值熟客")
    browser.find_element(By.ID, "save-names").click()
    assert browser.find_element(By.ID, "flash").is_displayed()
    assert requests.get(server.url + "/v1/clusters", headers=headers, timeout=10).json()["clusters"][1]["name"] == "高价值熟客"
    browser.find_element(By.CSS_SELECTOR, "#clusters tr[data-cluster='2'] a.segment-link").click()
    assert browser.find_element(By.ID, "condition").get_attribute("value") == "cluster = 2"
    live = browser.find_element(By.ID, "live-size")
    assert wait_until(lambda: live.get_attribute("data-size") == str(clusters["clusters"][1]["size"]), timeout=15)
    browser.save_screenshot(os.path.join(server.data, "..", "clusters.png"))

    # A customer of cluster 2 shows it, by its new name.
    r = requests.put(server.url + "/v1/segments/e2e_cluster_two", headers=headers, json={"condition": "cluster = 2"}, timeout=10)
    member = requests.get(server.url + "/v1/segments/e2e_cluster_two/members?limit=1", headers=headers,
                          timeout=10).json()["members"][0]["profile_id"]
    browser.get(server.url + f"/customers/{int(member)}?lang=zh-CN")
    shown = browser.find_element(By.ID, "profile-cluster")
    assert shown.get_attribute("data-cluster") == "2" and "高价值熟客" in shown.text


def test_tag_manager_defines_a_tag_and_tags_customers_from_a_csv(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.get(server.url + "/tags?lang=zh-CN")
    # The demo's rule tag, in its group.
    vip = browser.find_element(By.CSS_SELECTOR, "section[data-group='member_level'] tr[data-tag='vip']")
    assert "会员等级" in browser.find_element(By.CSS_SELECTOR, "section[data-group='member_level'] h2").text
    api_vip = requests.get(server.url + "/v1/tags/vip", headers=headers, timeout=10).json()
    assert int(vip.find_element(By.CLASS_NAME, "tag-size").text.replace(",", "")) == api_vip["size"]

    # A hand tag in a group of one's own.
    browser.find_element(By.ID, "tag-name").send_keys("门店会员")
    browser.find_element(By.ID, "tag-group").send_keys("acquisition")
    browser.find_element(By.ID, "tag-description").send_keys("在门店办卡")
    browser.find_element(By.ID, "tag-save").click()
    assert "门店会员" in browser.find_element(By.ID, "flash").text
    row = browser.find_element(By.CSS_SELECTOR, "section[data-group='acquisition'] tr[data-tag='门店会员']")
    assert row.find_element(By.CLASS_NAME, "tag-size").text == "0"

    # A CSV of three customers by user id, one unknown: two tagged, the page and the API agree.
    users = []
    for pid in range(1, 200):
        if len(users) == 2:
            break
        r = requests.get(server.url + f"/v1/profiles/{pid}", headers=headers, timeout=10)
        if r.status_code == 200 and r.json()["id"] == pid:
            users += [i["value"] for i in r.json()["identifiers"] if i["kind"] == "user_id"][:1]
    assert len(users) == 2
    csv_path = os.path.join(server.data, "..", "store-members.csv")
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("user_id\n" + "\n".join(users) + "\nno-such-user\n")
    row.find_element(By.CLASS_NAME, "tag-upload").send_keys(os.path.abspath(csv_path))
    assert wait_until(lambda: row.get_attribute("data-uploaded") == "2", timeout=15)
    assert row.find_element(By.CLASS_NAME, "tag-size").text == "2"
    assert "1" in row.find_element(By.CLASS_NAME, "tag-upload-result").text
    assert requests.get(server.url + "/v1/tags/%E9%97%A8%E5%BA%97%E4%BC%9A%E5%91%98", headers=headers, timeout=10).json()["size"] == 2
    browser.save_screenshot(os.path.join(server.data, "..", "tags.png"))

    # Taken off one of them again, then the tag deleted.
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("user_id\n" + users[0] + "\n")
    row.find_element(By.CLASS_NAME, "tag-remove").click()
    row.find_element(By.CLASS_NAME, "tag-upload").send_keys(os.path.abspath(csv_path))
    assert wait_until(lambda: row.find_element(By.CLASS_NAME, "tag-size").text == "1", timeout=15)
    row.find_element(By.CSS_SELECTOR, "form.tag-delete button").click()
    browser.switch_to.alert.accept()
    assert "门店会员" in browser.find_element(By.ID, "flash").text
    assert not browser.find_elements(By.CSS_SELECTOR, "tr[data-tag='门店会员']")
    assert requests.get(server.url + "/v1/tags/%E9%97%A8%E5%BA%97%E4%BC%9A%E5%91%98", headers=headers, timeout=10).status_code == 404


def test_funnel_and_retention_pages_agree_with_the_api(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}
    steps = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]

    def ask():
        return requests.post(server.url + "/v1/insights/funnel", headers=headers,
                             json={"steps": steps, "window_days": 30}, timeout=30).json()

    assert wait_until(lambda: ask()["steps"][0]["count"] > 0, timeout=60), "the demo's last 30 days have no product views"
    api = ask()
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/insights/funnel']").click()
    # The demo's purchase funnel by default: a bar and a row per step, the API's counts.
    bars = browser.find_elements(By.CSS_SELECTOR, "#funnel-chart rect.funnel-bar")
    assert [int(b.get_attribute("data-count")) for b in bars] == [s["count"] for s in api["steps"]]
    counts = [int(c.text.replace(",", "")) for c in browser.find_elements(By.CSS_SELECTOR, "#funnel-steps .step-count")]
    assert counts == [s["count"] for s in api["steps"]]
    assert counts == sorted(counts, reverse=True) and counts[-1] < counts[0]
    browser.save_screenshot(os.path.join(server.data, "..", "funnel.png"))

    # Two steps with a breakdown by city: the groups add up to the first step.
    area = browser.find_element(By.ID, "steps")
    area.clear()
    area.send_keys("Product Viewed\nOrder Completed")
    browser.find_element(By.ID, "window-days").clear()
    browser.find_element(By.ID, "window-days").send_keys("7")
    browser.find_element(By.ID, "breakdown").send_keys("trait:city")
    browser.find_element(By.ID, "funnel-run").click()
    api2 = requests.post(server.url + "/v1/insights/funnel", headers=headers, timeout=30,
                         json={"steps": ["Product Viewed", "Order Completed"], "window_days": 7, "breakdown": "trait:city"}).json()
    counts = [int(c.text.replace(",", "")) for c in browser.find_elements(By.CSS_SELECTOR, "#funnel-steps .step-count")]
    assert counts == [s["count"] for s in api2["steps"]]
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#funnel-groups .group-label")]
    assert labels == [g["label"] for g in api2["groups"]] and len(labels) > 1
    # The CSV download answers the same figures.
    link = browser.find_element(By.ID, "funnel-csv").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    text = requests.get(link, cookies=cookies, timeout=30).text
    assert [int(line.split(",")[2]) for line in text.strip().splitlines()[1:]] == counts
    # Who viewed and did not buy, saved as a segment from the page: its members are the API's dropped list.
    dropped = requests.post(server.url + "/v1/insights/funnel", headers=headers, timeout=30, json={
        "steps": ["Product Viewed", "Order Completed"], "window_days": 7, "dropped_after": 1}).json()
    browser.find_element(By.ID, "dropped-segment").send_keys("看了没买")
    browser.find_element(By.ID, "save-dropped-run").click()
    assert f"{dropped['dropped_count']:,}" in browser.find_element(By.ID, "flash").text
    assert [int(c.text.replace(",", "")) for c in browser.find_elements(By.CSS_SELECTOR, "#funnel-steps .step-count")] == counts
    members = lambda: requests.get(server.url + "/v1/segments/看了没买/members", headers=headers, timeout=30).json()
    assert wait_until(lambda: members().get("size") == dropped["dropped_count"], timeout=30), members()
    if dropped["dropped_count"] <= 10_000:
        assert sorted(str(m["profile_id"]) for m in members()["members"]) == sorted(dropped["dropped"])

    # A step that does not parse says why, in the page.
    area = browser.find_element(By.ID, "steps")
    area.clear()
    area.send_keys('"Order Completed" where revenue >')
    browser.find_element(By.ID, "funnel-run").click()
    assert wait_until(lambda: "does not parse" in browser.find_element(By.ID, "flash").text)

    # Retention: monthly cohorts of first purchases, as the API gives them; the page in Chinese.
    body = {"cohort_event": "Order Completed", "return_event": "Order Completed", "period": "month", "periods": 5}
    ret = requests.post(server.url + "/v1/insights/retention", headers=headers, json=body, timeout=30).json()
    browser.get(server.url + "/insights/retention?cohort_event=Order+Completed&return_event=Order+Completed"
                 "&period=month&periods=5&mode=bounded&lang=zh-CN")
    assert "留存分析" in browser.find_element(By.TAG_NAME, "h1").text
    starts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#retention-table .cohort-start")]
    sizes = [int(e.text.replace(",", "")) for e in browser.find_elements(By.CSS_SELECTOR, "#retention-table .cohort-size")]
    assert starts == [c["start"] for c in ret["cohorts"]] and sizes == [c["size"] for c in ret["cohorts"]]
    assert sum(sizes) > 0
    first_cells = browser.find_elements(By.CSS_SELECTOR, "#retention-table tbody tr:first-child td.cell")
    assert first_cells[0].text == "100.0%"
    # By city: a triangle per city, as the API gives them, and the CSV download with a group column.
    body["breakdown"] = "trait:city"
    by_city = requests.post(server.url + "/v1/insights/retention", headers=headers, json=body, timeout=30).json()
    browser.get(server.url + "/insights/retention?cohort_event=Order+Completed&return_event=Order+Completed"
                 "&period=month&periods=5&mode=bounded&breakdown=trait%3Acity&lang=en")
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".retention-group .group-label")]
    assert labels == [g["label"] for g in by_city["groups"]] and len(labels) > 1
    rows = download_csv(browser, "retention-csv")
    assert sum(int(r["size"]) for r in rows if r["group"] != "(all)") == sum(c["size"] for c in ret["cohorts"])
    browser.save_screenshot(os.path.join(server.data, "..", "retention.png"))


def test_paths_page_draws_the_flows_the_api_gives(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}
    body = {"anchor": "Product Viewed", "steps": 3}
    assert wait_until(lambda: requests.post(server.url + "/v1/insights/paths", headers=headers, json=body,
                                            timeout=30).json()["anchored"] > 0, timeout=60)
    api = requests.post(server.url + "/v1/insights/paths", headers=headers, json=body, timeout=30).json()
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/insights/paths']").click()
    browser.find_element(By.ID, "path-steps").clear()
    browser.find_element(By.ID, "path-steps").send_keys("3")
    browser.find_element(By.ID, "paths-run").click()
    assert wait_until(lambda: "steps=3" in browser.current_url)
    assert int(browser.find_element(By.ID, "anchored").text.replace(",", "")) == api["anchored"]
    links = {(int(e.get_attribute("data-depth")), e.get_attribute("data-from"), e.get_attribute("data-to")):
             int(e.get_attribute("data-count")) for e in browser.find_elements(By.CSS_SELECTOR, "#sankey path.sankey-link")}
    assert links == {(l["depth"], l["from"], l["to"]): l["count"] for l in api["links"]}
    anchor = browser.find_element(By.CSS_SELECTOR, "#sankey rect.sankey-node[data-depth='0']")
    assert int(anchor.get_attribute("data-count")) == api["anchored"]
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#next-steps .next-name")]
    assert names == [n["name"] for n in api["next"]]
    rows = download_csv(browser, "paths-csv")
    assert {(int(r["depth"]), r["from"], r["to"]): int(r["profiles"]) for r in rows} == \
        {(l["depth"], l["from"], l["to"]): l["count"] for l in api["links"]}
    browser.save_screenshot(os.path.join(server.data, "..", "paths.png"))


def test_customer_page_shows_lifetime_value_and_p_alive(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}
    # The demo's RFM model names the purchases; CLV is fitted on them.
    r = requests.put(server.url + "/v1/segments/e2e_valued", headers=headers, json={"condition": "clv.value > 0"}, timeout=10)
    assert r.status_code == 200, r.text
    assert wait_until(lambda: requests.get(server.url + "/v1/segments/e2e_valued", headers=headers, timeout=10)
                      .json().get("size", 0) > 0, timeout=60)
    member = requests.get(server.url + "/v1/segments/e2e_valued/members?limit=1", headers=headers,
                          timeout=10).json()["members"][0]["profile_id"]

    def profile():
        return requests.get(server.url + f"/v1/profiles/{int(member)}", headers=headers, timeout=10).json()

    # Figures are worked out again after the demo's load (at the projection's next tick): wait for them.
    seen = {}

    def figures():
        p = profile()
        if p["clv"] is None or p["churn_risk"] is None:
            return False
        seen["profile"] = p
        return True

    assert wait_until(figures, timeout=90)
    snapshot = seen["profile"]
    clv = snapshot["clv"]
    assert clv["value"] > 0 and 0 <= clv["p_alive"] <= 1 and clv["expected_purchases"] >= 0
    assert 0 < snapshot["churn_risk"] < 1
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")

    # The page shows what the API gives at the same moment (the figures may be fitted again meanwhile, as the
    # demo's last events arrive: then the next look agrees).
    def page_agrees():
        browser.get(server.url + f"/customers/{int(member)}?lang=en")
        shown = browser.find_element(By.ID, "profile-clv")
        churn = browser.find_element(By.ID, "profile-churn")
        now = profile()
        return (now["clv"] is not None and abs(float(shown.get_attribute("data-p-alive")) - now["clv"]["p_alive"]) < 1e-4
                and shown.get_attribute("data-value") == f"{now['clv']['value']:.2f}"
                and abs(float(churn.get_attribute("data-risk")) - now["churn_risk"]) < 1e-4)

    assert wait_until(page_agrees, timeout=60)


def test_lifecycle_page_shows_stages_by_week_and_the_moves_matrix(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}

    def ask():
        r = requests.get(server.url + "/v1/lifecycle/periods?period=week&periods=8", headers=headers, timeout=10)
        return r.json() if r.status_code == 200 else None

    # The projection announces the demo's stages as it starts: wait until they are there and settled.
    def moves():
        a = ask()
        return a and [(p["sizes"], p["flows"]) for p in a["periods"]]

    def settled():
        first = moves()
        time.sleep(0.5)
        return first and first == moves() and sum(f["count"] for f in first[-1][1]) > 0

    assert wait_until(settled, timeout=60)
    api = ask()
    assert len(api["periods"]) == 8 and api["stages"][0] == "won_back"
    # Worked out from the events: the weeks before the model was set have their stages and moves too.
    assert sum(api["periods"][0]["sizes"].values()) > 0 and api["periods"][0]["flows"]
    recorded = requests.get(server.url + "/v1/lifecycle/periods?period=week&periods=8&basis=recorded", headers=headers,
                            timeout=10).json()
    assert sum(recorded["periods"][0]["sizes"].values()) == 0
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.get(server.url + "/lifecycle?lang=en")
    assert browser.find_elements(By.CSS_SELECTOR, "#stages-by-week svg")
    # This week's moves, from where each customer was at the week's start to where it is now.
    week = api["periods"][-1]
    expected = {((f["from"] or ""), (f["to"] or "")): f["count"] for f in week["flows"] if f["from"] != f["to"]}
    assert sum(expected.values()) > 0 and sum(week["sizes"].values()) > 0
    shown = {}
    for row in browser.find_elements(By.CSS_SELECTOR, "#flow-matrix tbody tr"):
        for cell in row.find_elements(By.CSS_SELECTOR, "td[data-to]"):
            n = int(cell.get_attribute("data-count"))
            if n:
                shown[(row.get_attribute("data-from"), cell.get_attribute("data-to"))] = n
    assert shown == expected


def test_aarrr_dashboard_agrees_with_the_api(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}

    def ask(body):
        r = requests.post(server.url + "/v1/insights/aarrr", headers=headers, json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    assert wait_until(lambda: ask({})["total"]["orders"] > 0, timeout=60), "the demo's last 12 weeks have no orders"
    api = ask({})
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/insights/aarrr']").click()
    # Twelve weeks by default: the key figures of the whole range, a row per week and the total.
    total = api["total"]
    assert int(browser.find_element(By.ID, "kpi-new").text.replace(",", "")) == total["new_profiles"]
    assert browser.find_element(By.ID, "kpi-arpu").text == f"{total['arpu']:.2f}"
    assert browser.find_element(By.ID, "kpi-activation").text == f"{total['activation']['rate'] * 100:.1f}%"
    labels = [e.text.rstrip(" *") for e in browser.find_elements(By.CSS_SELECTOR, "#aarrr-table .period-label")]
    assert labels[:-1] == [p["start"] for p in api["periods"]] and len(labels) == 13
    news = [int(e.text.replace(",", "")) for e in browser.find_elements(By.CSS_SELECTOR, "#aarrr-table .new-count")]
    assert news == [p["new_profiles"] for p in api["periods"]] + [total["new_profiles"]]
    actives = [int(e.text.replace(",", "")) for e in browser.find_elements(By.CSS_SELECTOR, "#aarrr-table .active-count")]
    assert actives == [p["active_profiles"] for p in api["periods"]] + [total["active_profiles"]]
    assert browser.find_elements(By.CSS_SELECTOR, "#acquisition-chart svg rect")
    assert browser.find_elements(By.CSS_SELECTOR, "#revenue-chart svg rect")
    browser.save_screenshot(os.path.join(server.data, "..", "aarrr.png"))
    # The CSV download answers the same figures.
    rows = download_csv(browser, "aarrr-csv")
    assert [int(r["new_profiles"]) for r in rows] == news and rows[-1]["start"] == "total"

    # By month, in Chinese, with the first purchase as activation.
    browser.get(server.url + "/insights/aarrr?period=month&periods=4&activation_event=Order+Completed"
                 "&activation_days=30&lang=zh-CN")
    assert "AARRR 增长" in browser.find_element(By.TAG_NAME, "h1").text
    month = ask({"period": "month", "periods": 4, "activation_event": "Order Completed", "activation_days": 30})
    news = [int(e.text.replace(",", "")) for e in browser.find_elements(By.CSS_SELECTOR, "#aarrr-table .new-count")]
    assert news == [p["new_profiles"] for p in month["periods"]] + [month["total"]["new_profiles"]]
    assert browser.find_element(By.ID, "kpi-activation").text == f"{month['total']['activation']['rate'] * 100:.1f}%"
    # A bad activation event says why, in the page.
    browser.get(server.url + "/insights/aarrr?activation_event=%22Signed+Up%22+where")
    assert "does not parse" in browser.find_element(By.ID, "flash").text


def test_basket_page_and_cli_agree_with_the_api(browser, demo_server):
    server = demo_server
    headers = {"Authorization": "Bearer " + server.credentials["adminToken"]}
    body = {"min_support": 0.005, "min_confidence": 0.1, "limit": 200}

    def ask():
        r = requests.post(server.url + "/v1/insights/basket", headers=headers, json=body, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    assert wait_until(lambda: ask()["rules"], timeout=60), "the demo's orders give no rules"
    api = ask()
    login(browser, server)
    browser.find_element(By.ID, "stat-profiles")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/insights/basket']").click()
    browser.find_element(By.ID, "min-support").clear()
    browser.find_element(By.ID, "min-support").send_keys("0.5")
    browser.find_element(By.ID, "basket-run").click()
    assert wait_until(lambda: "min_support_percent=0.5" in browser.current_url)
    assert int(browser.find_element(By.ID, "basket-orders").text.replace(",", "")) == api["orders"]
    counts = [int(e.text.replace(",", "")) for e in browser.find_elements(By.CSS_SELECTOR, "#basket-rules .rule-count")]
    assert counts == [r["count"] for r in api["rules"]] and counts
    lifts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#basket-rules .rule-lift")]
    assert lifts == [f"{r['lift']:.2f}" for r in api["rules"]]
    first = browser.find_element(By.CSS_SELECTOR, "#basket-rules .rule-bought").text
    assert api["rules"][0]["antecedent"][0]["id"] in first and api["rules"][0]["antecedent"][0]["name"] in first
    browser.save_screenshot(os.path.join(server.data, "..", "basket.png"))
    rows = download_csv(browser, "basket-csv")
    assert [int(r["orders"]) for r in rows] == [r["count"] for r in api["rules"]]
    browser.get(server.url + "/insights/basket?lang=zh-CN")
    assert "购物篮分析" in browser.find_element(By.TAG_NAME, "h1").text
    # The CLI reads the same orders from the data directory.
    out = run_cli("report", "basket", "--data", server.data, "--durability", "normal", "--min-support", "0.005",
                  "--limit", "200")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [int(r["orders"]) for r in rows] == [r["count"] for r in api["rules"]]
    assert rows[0]["antecedent"] == " + ".join(i["id"] for i in api["rules"][0]["antecedent"])
