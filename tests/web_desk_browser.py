"""Debian's Chromium, headless, driven by Selenium with the driver's path given (no
driver or browser downloads), for the web desk's browser tests and its screenshots."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1280,800",
    "--lang=en-GB",
)


def have_chromium() -> bool:
    return Path(CHROMIUM).exists() and Path(DRIVER).exists()


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="desk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def until(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    """Poll `check` until it returns something true; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:g} s")
        time.sleep(0.05)


def sign_in(driver: Any, url: str, name: str, password: str) -> None:
    """Through the form, by keyboard: name, Tab, password, Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.delete_all_cookies()
    driver.get(f"{url}/web/signin")
    field = driver.find_element(By.ID, "name")
    field.send_keys(name, Keys.TAB)
    driver.switch_to.active_element.send_keys(password, Keys.ENTER)
    until(lambda: "/web/signin" not in driver.current_url, f"{name} signed in")


def sign_out(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "form.who button").click()
    until(lambda: "/web/signin" in driver.current_url, "signed out")


def give_purpose(driver: Any, purpose: str, reason: str, approval: str = "") -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"input[name=purpose][value={purpose}]").click()
    driver.find_element(By.ID, "reason").send_keys(reason)
    if approval:
        driver.find_element(By.ID, "approval").send_keys(approval)
    driver.find_element(By.CSS_SELECTOR, "#why button[type=submit]").click()


SIZES = {"desktop": (1280, 800, False), "phone": (390, 844, True)}


def shoot(driver: Any, out: Path, name: str) -> list[Path]:
    """The page as it is, light and dark, at 1280x800 and a phone's width."""
    made = []
    out.mkdir(parents=True, exist_ok=True)
    for size, (width, height, mobile) in SIZES.items():
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )
        for scheme in ("light", "dark"):
            driver.execute_cdp_cmd(
                "Emulation.setEmulatedMedia",
                {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
            )
            path = out / f"{name}-{size}-{scheme}.png"
            driver.save_screenshot(str(path))
            made.append(path)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    return made
