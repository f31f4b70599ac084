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
