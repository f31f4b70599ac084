"""The console in a real browser (Debian's chromium + chromedriver, selenium): log in, the
overview, switching to Chinese, customer search, the customer 360 page and undoing a merge."""
import os
import shutil
import time

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import Server, free_port


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
