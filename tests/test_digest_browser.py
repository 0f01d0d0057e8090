"""The digest and the checklist in a real browser: Debian's chromium, headless.

Each mail is rendered for a busy week (22 follow-ups waiting in Drafts, long names,
subjects and addresses that do not break by themselves) and laid out at 390 px (a
phone) and 1200 px (a desktop), in the light and the dark colour scheme. At 390 px
the page must not scroll sideways; at 1200 px it stays one column of at most 600 px.

Screenshots are kept as test artifacts: in $INBOXFOLLOW_ARTIFACTS/screenshots when that
is set (CI uploads the folder), else in pytest's temporary folder (the path is printed
with `-rA` and kept for the last three runs under /tmp/pytest-of-$USER/).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from inboxfollow.outbox.digest import render_checklist, render_digest
from inboxfollow.rules.digest import build_checklist, build_digest
from inboxfollow.rules.loops import derive_loops
from tests.browser import Measure, chromium, measure_all, png_size, screenshot
from tests.test_digest import ME, NOW, OWNER, RECORDS, TZ, msg

PHONE, DESKTOP = 390, 1200
LONG_SUBJECT = "Angebot-Nr.2026-000123-Sonderanfertigung-Eichenregal-mit-Beleuchtung-und-Montage"
AMOUNTS = ["Total: $4,250.00", "Gesamtbetrag 3.480,00 €", "Total TTC : 1 250,50 €", "",
           "Total: 2.300,00 EUR", "£1,200", "CHF 980.–"]


def busy_week() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """RECORDS plus 22 quotes whose first follow-up waits in Drafts, and a long-named one."""
    records, drafts = list(RECORDS), []
    for n in range(22):
        person = [f"Customer Number {n} With A Rather Long Name",
                  f"purchasing.department.{n}@a-very-long-company-domain-name.example"]
        quote = msg(f"busy{n}", ME, [person], 5 + n % 4, f"Quote {n}: kitchen refit",
                    text=AMOUNTS[n % len(AMOUNTS)])
        records.append(quote)
        drafts.append({"loop_id": f"{quote['key']}|{person[1]}", "step": 1, "state": "pending",
                       "message_id": f"<draft{n}@x>", "contact": person[1],
                       "created_at": (NOW - timedelta(hours=20)).isoformat()})
    records.append(msg("long", ME, [["", "x" * 70 + "@example.com"]], 2, LONG_SUBJECT))
    return records, drafts


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    if chromium() is None:
        pytest.fail("chromium is not installed: run scripts/install-deps.sh")
    records, drafts = busy_week()
    loops = derive_loops(records, OWNER, NOW)
    digest = build_digest(records, loops, drafts, OWNER, NOW, TZ)
    assert "22 follow-ups are waiting in Drafts: open Drafts and send them" in digest.actions
    checklist = build_checklist(records, loops, drafts, OWNER, NOW, TZ)
    return {"digest": render_digest(digest)[2], "checklist": render_checklist(checklist)[2]}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = os.environ.get("INBOXFOLLOW_ARTIFACTS")
    folder = Path(base) / "screenshots" if base else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


KINDS, WIDTHS = ("digest", "checklist"), (PHONE, DESKTOP)


@pytest.fixture(scope="module")
def layouts(pages: dict[str, str]) -> dict[tuple[str, int, bool], Measure]:
    """Every page at every width, light and dark: two browser runs."""
    found = {}
    for dark in (False, True):
        measured = measure_all({f"{kind}-{width}": (pages[kind], width)
                                for kind in KINDS for width in WIDTHS}, dark)
        found |= {(kind, width, dark): measured[f"{kind}-{width}"]
                  for kind in KINDS for width in WIDTHS}
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_page_fits_the_screen(pages: dict[str, str], layouts: dict[Any, Measure],
                                  artifacts: Path, kind: str, width: int) -> None:
    laid = layouts[kind, width, False]
    assert laid.inner_width == width
    assert laid.scroll_width <= width, f"{kind} scrolls sideways at {width} px"
    assert laid.page_width <= 600
    if width == PHONE:
        assert laid.page_width == PHONE  # the column takes the whole phone
    shot = screenshot(pages[kind], width, artifacts / f"{kind}-{width}.png", laid.scroll_height)
    assert png_size(shot) == (width, min(laid.scroll_height, 8000))
    print(f"{kind} at {width} px: scrollWidth {laid.scroll_width}, screenshot {shot}")


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(v) for v in re.findall(r"\d+", css_colour)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.mark.parametrize("kind", KINDS)
def test_the_page_is_readable_in_the_dark_scheme(pages: dict[str, str],
                                                 layouts: dict[Any, Measure], artifacts: Path,
                                                 kind: str) -> None:
    light, dark = layouts[kind, PHONE, False], layouts[kind, PHONE, True]
    assert not light.dark and dark.dark
    assert _luminance(light.background) > 0.9 and _luminance(light.color) < 0.3
    assert _luminance(dark.background) < 0.15 and _luminance(dark.color) > 0.8
    assert dark.scroll_width <= PHONE and layouts[kind, DESKTOP, True].page_width <= 600
    shot = screenshot(pages[kind], PHONE, artifacts / f"{kind}-{PHONE}-dark.png",
                      dark.scroll_height, dark=True)
    print(f"{kind} at {PHONE} px, dark: screenshot {shot}")
