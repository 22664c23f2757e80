"""The error browser in a real browser: headless Chromium (Debian's ``chromium``) driven over
the Chrome DevTools Protocol. Pages made by the real ``bench report`` from the committed
results; filters clicked with real mouse events, spans opened with the keyboard and a tap;
screenshots taken and compared. Skips where Chromium (or websocket-client) is absent.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,900",
]
OLD_HEIGHT = 36_686  # px: results/errors/spacy.html before the error browser (issue 16)

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.slow,
]


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True
    )


class Browser:
    """One headless Chromium and one page, spoken to over CDP (a websocket)."""

    def __init__(self) -> None:
        websocket = pytest.importorskip("websocket")
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.call("Page.enable")
        self.call("Network.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        n = next(self.ids)
        self.ws.send(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == n:
                assert "error" not in msg, msg
                return msg.get("result", {})
            self.events.append(msg)

    def js(self, expr: str) -> Any:
        out = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        assert "exceptionDetails" not in out, out
        return out["result"].get("value")

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        for _ in range(200):
            if self.js("document.readyState") == "complete":
                return
            time.sleep(0.05)
        raise AssertionError(f"{url} did not load")

    def centre(self, selector: str) -> tuple[float, float]:
        self.js(
            f"document.querySelector({json.dumps(selector)}).scrollIntoView({{block:'center'}})"
        )
        box = self.js(
            f"(function(){{var r=document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2]})()"
        )
        return box[0], box[1]

    def click(self, selector: str) -> None:
        """A real left click (mouse pressed and released) where the element is drawn."""
        x, y = self.centre(selector)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def tap(self, selector: str) -> None:
        """A touch on the element (a finger, not a mouse)."""
        x, y = self.centre(selector)
        self.call("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
        self.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])

    def key(self, key: str, code: str, vk: int) -> None:
        """A key pressed and released (Tab moves the focus, Enter activates)."""
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent", type=kind, key=key, code=code, windowsVirtualKeyCode=vk
            )

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed results copied to a scratch directory and their pages made there."""
    out = tmp_path_factory.mktemp("browser") / "results"
    shutil.copytree(ROOT / "results", out, ignore=shutil.ignore_patterns("errors"))
    res = bench("report", "--results", str(out), "--no-plot")
    assert res.returncode == 0, res.stderr
    res = bench("report", "--results", str(out), "--pair", "spacy", "recognizers")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"wrote {out / 'errors' / 'pairs' / 'spacy--recognizers.html'}"
    return out / "errors"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    b = Browser()
    try:
        yield b
    finally:
        b.close()


VISIBLE = "Array.from(document.querySelectorAll('li.o:not([hidden])'))"


def visible_kinds(b: Browser) -> list[str]:
    return b.js(f"{VISIBLE}.map(function(li){{return li.dataset.k}})")


def test_one_system_filters_keyboard_touch_and_height(
    browser: Browser, pages: Path, tmp_path: Path
) -> None:
    b = browser
    page = pages / "spacy.html"
    b.open(page.as_uri())
    # Nothing but the page itself was requested: no network, no external script or font.
    urls = [
        e["params"]["request"]["url"]
        for e in b.events
        if e["method"] == "Network.requestWillBeSent"
    ]
    assert urls and all(u.startswith("file://") for u in urls), urls
    assert b.js("document.scripts.length") == 1 and b.js("document.scripts[0].src") == ""
    height = b.js("document.documentElement.scrollHeight")
    print(f"spacy.html height: {height} px (was {OLD_HEIGHT} px)")
    assert height < OLD_HEIGHT / 4
    # Each document once, all layers in it.
    assert b.js("document.querySelectorAll('section.doc').length") == 5
    assert b.js("document.querySelectorAll('.txt').length") == 5
    # Correct (and ignored) spans are hidden at first; every error is shown.
    total = b.js("document.querySelectorAll('li.o').length")
    kinds = b.js(
        "Array.from(document.querySelectorAll('li.o')).map(function(l){return l.dataset.k})"
    )
    errors = [k for k in kinds if k not in ("correct", "ignored")]
    assert "correct" in kinds and sorted(visible_kinds(b)) == sorted(errors)
    assert b.js("document.getElementById('shown').textContent") == (
        f"{len(errors)} of {total} spans shown"
    )
    before = b.screenshot(tmp_path / "errors.png")

    # Untick every outcome but "missed" with real clicks: only missed spans stay marked.
    for kind in ("wrong value", "partial", "wrong label", "spurious"):
        b.click(f'input[name="k"][value="{kind}"]')
    assert set(visible_kinds(b)) == {"missed"}
    assert len(visible_kinds(b)) == kinds.count("missed")
    assert b.js("location.hash").startswith("#k=missed&l=")
    marked = b.js(
        "Array.from(document.querySelectorAll('.m:not(.off)')).map(function(e){return e.dataset.o})"
    )
    shown = set(b.js(f"{VISIBLE}.map(function(li){{return li.id}})"))
    assert marked and all(set(m.split()) & shown for m in marked)
    b.js("window.scrollTo(0,0)")
    after = b.screenshot(tmp_path / "missed.png")
    assert before != after

    # Keyboard: Tab reaches a marked span, whose details appear without a mouse.
    b.js("document.querySelector('.m:not(.off)').focus()")
    b.key("Enter", "Enter", 13)
    det = b.js("document.querySelector('section.doc:not(.quiet) .det').textContent")
    assert det.startswith("entity missed: gold "), det
    b.js("document.activeElement.blur();document.querySelector('#filters input').focus()")
    for _ in range(200):  # Tab through the filters to the first marked span
        b.key("Tab", "Tab", 9)
        if b.js("document.activeElement.classList.contains('m')"):
            break
    else:
        raise AssertionError("no marked span can be reached with Tab")
    assert b.js("document.querySelectorAll('li.o.sel').length") >= 1

    # Touch: tapping a line of the list selects its span in the text.
    b.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=1)
    target = b.js(f"{VISIBLE}[2].id")
    b.tap(f"#{target}")
    assert b.js(f"document.getElementById('{target}').classList.contains('sel')")
    assert b.js(f"document.querySelector('.m.sel').dataset.o.split(' ').indexOf('{target}')") >= 0
    b.call("Emulation.setTouchEmulationEnabled", enabled=False)

    # The filter state in the URL: a link opens the same view.
    b.open(page.as_uri() + "#k=spurious,wrong%20label&l=time&b=DATE,TIME")
    got = b.js(f"{VISIBLE}.map(function(li){{return li.dataset.k+' '+li.dataset.l}})")
    assert got and set(got) <= {"spurious time", "wrong label time"}
    assert not b.js('document.querySelector(\'input[name="l"][value="entity"]\').checked')


def test_pair_view_shows_where_two_systems_differ(
    browser: Browser, pages: Path, tmp_path: Path
) -> None:
    b = browser
    b.open((pages / "pairs" / "spacy--recognizers.html").as_uri())
    height = b.js("document.documentElement.scrollHeight")
    print(f"pair page height: {height} px")
    # Both texts of a document side by side: the second column starts level with the first.
    xs = b.js(
        "Array.from(document.querySelectorAll('section.doc')[0].querySelectorAll('.txt'))"
        ".map(function(t){var r=t.getBoundingClientRect();return [r.x,r.y]})"
    )
    assert len(xs) == 2 and xs[0][0] < xs[1][0] and abs(xs[0][1] - xs[1][1]) < 2
    differ = b.js(f"{VISIBLE}.map(function(li){{return li.dataset.d}})")
    assert differ and set(differ) == {"1"}
    sides = b.js(f"{VISIBLE}.map(function(li){{return li.textContent.split(':')[0]}})")
    assert {"spacy", "recognizers"} <= set(sides)
    b.screenshot(tmp_path / "pair.png")
    b.click('input[name="same"]')
    assert len(b.js(f"{VISIBLE}.map(function(li){{return li.id}})")) > len(differ)
    assert "same=1" in b.js("location.hash")
