"""Headless Chromium (Debian's `chromium` package) driven with the standard library.

A headed or headless Chromium window is never narrower than 500 px, so a page is
shown in an iframe exactly as wide as the viewport wanted (390 px: a phone): inside
it the page lays out, runs its media queries and scrolls as on a screen of that width.
A small script added to the page writes what the test measures (scrollWidth, the
viewport's width, the body's colours) into the outer page's DOM, and `--dump-dom`
prints it; several pages and widths are measured in one browser run. Screenshots are
taken of the same frame at the page's full height.

Flags: `--headless=new`, `--disable-gpu`, and `--no-sandbox` only when running as
root (CI containers), where Chromium's sandbox cannot start.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT = 60
MAX_HEIGHT = 8000

_MEASURE = """<script>
(function () {
  var root = document.documentElement, body = document.body, style = getComputedStyle(body);
  var page = document.querySelector('.page') || body;
  parent.document.body.setAttribute('data-measured-NAME', JSON.stringify({
    scrollWidth: root.scrollWidth, innerWidth: window.innerWidth,
    scrollHeight: root.scrollHeight, pageWidth: page.getBoundingClientRect().width,
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    background: getComputedStyle(page).backgroundColor, color: style.color
  }));
})();
</script>"""


def chromium() -> str | None:
    return shutil.which("chromium")


@dataclass(frozen=True)
class Measure:
    scroll_width: int
    inner_width: int
    scroll_height: int
    page_width: float
    dark: bool
    background: str  # "rgb(255, 255, 255)"
    color: str


def _frame(page_html: str, width: int, height: int, name: str | None) -> str:
    inner = page_html
    if name is not None:
        script = _MEASURE.replace("NAME", name)
        inner = re.sub(r"</body>", lambda _: script + "</body>", inner, count=1,
                       flags=re.IGNORECASE)
    return (f'<iframe style="border:0;display:block" width="{width}" height="{height}" '
            f'srcdoc="{html.escape(inner, quote=True)}"></iframe>')


def _framed(frames: Iterable[str]) -> str:
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
            '<body style="margin:0;padding:0;overflow:hidden">' + "".join(frames)
            + "</body></html>")


def _run(args: list[str], workdir: Path) -> str:
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed: run scripts/install-deps.sh")
    flags = ["--headless=new", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--mute-audio",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={workdir / 'profile'}"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")
    done = subprocess.run([binary, *flags, *args], capture_output=True, text=True,
                          timeout=TIMEOUT, check=False, cwd=workdir)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def _scheme(dark: bool) -> list[str]:
    return ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if dark else [
        "--blink-settings=preferredColorScheme=1"]


def measure_all(pages: Mapping[str, tuple[str, int]], dark: bool = False) -> dict[str, Measure]:
    """Each page (name -> (html, viewport width)) laid out in its own viewport, all in
    one browser run."""
    assert all(re.fullmatch(r"[a-z0-9-]+", name) for name in pages), list(pages)
    frames = [_frame(page, width, 900, name) for name, (page, width) in pages.items()]
    widest = max(width for _, width in pages.values())
    with tempfile.TemporaryDirectory(prefix="inboxfollow-chromium-") as tmp:
        work = Path(tmp)
        framed = work / "pages.html"
        framed.write_text(_framed(frames), encoding="utf-8")
        dom = _run([*_scheme(dark), f"--window-size={max(widest, 500)},900", "--dump-dom",
                    framed.as_uri()], work)
    found = {}
    for name in pages:
        match = re.search(rf'data-measured-{name}="([^"]*)"', dom)
        if match is None:
            raise RuntimeError(f"the measuring script of {name} did not run")
        data: dict[str, Any] = json.loads(html.unescape(match.group(1)))
        found[name] = Measure(int(data["scrollWidth"]), int(data["innerWidth"]),
                              int(data["scrollHeight"]), float(data["pageWidth"]),
                              bool(data["dark"]), str(data["background"]), str(data["color"]))
    return found


def measure(page_html: str, width: int, dark: bool = False) -> Measure:
    """The page laid out in a viewport `width` px wide."""
    return measure_all({"page": (page_html, width)}, dark)["page"]


def screenshot(page_html: str, width: int, target: Path, height: int,
               dark: bool = False) -> Path:
    """A PNG of the whole page (up to MAX_HEIGHT px) in a viewport `width` px wide."""
    height = min(max(height, 200), MAX_HEIGHT)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="inboxfollow-chromium-") as tmp:
        work = Path(tmp)
        framed = work / "page.html"
        framed.write_text(_framed([_frame(page_html, width, height, None)]), encoding="utf-8")
        _run([*_scheme(dark), f"--window-size={width},{height}",
              f"--screenshot={target.resolve()}", framed.as_uri()], work)
    return target


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
