"""Benchmark of the derived commands against a no-change sync, each as a whole process.

    .venv/bin/python bench/derived.py [--sizes 2000,20000,100000] [--repeat 3]
                                      [--profile quotes] [--seed 20000]

For each size it takes the generated mailbox of `run.py` (`mailgen.py`, cached
in the git-ignored `bench/work/mail-SEED-SIZE/`, made on first use), links its
files into a local Maildir++ tree (INBOX, `.Sent`, `.Drafts`: no server, so the
figures are the client's own), writes a config and syncs once into a fresh
store (timed once, reported). Then, `--repeat` rounds, each command as its own
`inboxfollow` process, in turn:

- `sync` with nothing new (the floor the target names),
- `quotes --status all --json`,
- `contacts --json`,
- `digest --preview FILE`,
- `drafts --dry-run`.

`--now` is one day after the newest message for every command, so the same
loops are due in every run. Figures are the median of the rounds (best and
spread beside it); peak RSS is the process's own (`wait4`). The target
(issue 11, point 1): each derived command at most 1.5x the no-change sync or
1 s, whichever is larger. `--profile CMD` adds one cProfile run of that command
at each size (`bench/work/derived/CMD-SIZE.prof`) and prints its top functions.
Raw figures: `bench/work/derived/last.json`. Timings are not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work" / "derived"
PYTHON = sys.executable
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

COMMANDS: dict[str, list[str]] = {
    "sync": ["sync"],
    "quotes": ["quotes", "--status", "all", "--json"],
    "contacts": ["contacts", "--json"],
    "digest": ["digest", "--preview", "{preview}"],
    "drafts": ["drafts", "--dry-run"],
}
DERIVED = ("quotes", "contacts", "digest", "drafts")


def build_mailbox(size: int, seed: int) -> tuple[Path, str]:
    """A Maildir++ tree of the generated mail (hard links into the cache), its config,
    and the `--now` one day after the newest message."""
    from mailgen import OWNER_EMAIL, OWNER_NAME
    from run import generated

    cache = generated(size, seed)
    home = WORK / f"box-{seed}-{size}"
    mail = home / "mail"
    targets = {"INBOX": mail, "Sent": mail / ".Sent"}
    newest = 0
    if not (home / "linked").exists():
        for folder in (mail, mail / ".Sent", mail / ".Drafts"):
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
        for name, target in targets.items():
            for source in (cache / name).iterdir():
                dest = target / "cur" / source.name
                if not dest.exists():
                    os.link(source, dest)
        (home / "linked").write_text("")
    for name in targets:
        for source in (cache / name).iterdir():
            newest = max(newest, int(source.name.split(".", 1)[0]))
    now = datetime.fromtimestamp(newest, UTC) + timedelta(days=1)
    (home / "config.toml").write_text(
        f'[owner]\nname = "{OWNER_NAME}"\naddresses = ["{OWNER_EMAIL}"]\ntimezone = "UTC"\n\n'
        f'[maildir]\npath = "mail"\n\n[store]\npath = "state/inboxfollow.json"\n'
    )
    return home, now.isoformat()


def run_command(home: Path, now: str, name: str, prefix: tuple[str, ...] = ()) -> None:
    """One whole `inboxfollow` process, untimed (the profiled run)."""
    args = [a.format(preview=home / "digest.html") for a in COMMANDS[name]]
    argv = [PYTHON, *prefix, "-m", "inboxfollow", "--config", str(home / "config.toml"),
            "--now", now, *args]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=home)


def run_timed(home: Path, now: str, name: str) -> dict:
    """One whole `inboxfollow` process: its wall time and its own peak RSS (wait4)."""
    args = [a.format(preview=home / "digest.html") for a in COMMANDS[name]]
    argv = [PYTHON, "-m", "inboxfollow", "--config", str(home / "config.toml"), "--now", now,
            *args]
    out_path = WORK / "stdout.tmp"
    with out_path.open("wb") as out, open(os.devnull, "wb") as null:
        start = time.perf_counter()
        pid = os.posix_spawn(PYTHON, argv, dict(os.environ),
                             file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                           (os.POSIX_SPAWN_DUP2, null.fileno(), 2)])
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(argv)} failed with {status}")
    return {"seconds": seconds, "stdout_bytes": out_path.stat().st_size,
            "maxrss_mb": usage.ru_maxrss / 1024}


def profile(home: Path, now: str, name: str, size: int) -> str:
    target = WORK / f"{name}-{size}.prof"
    run_command(home, now, name, ("-m", "cProfile", "-o", str(target)))
    stats = pstats.Stats(str(target))
    lines: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            lines.append(text)

    stats.stream = Sink()  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(30)
    return "".join(lines)


def measure(size: int, seed: int, repeat: int, profile_cmd: str) -> dict:
    from run import store_mb

    home, now = build_mailbox(size, seed)
    store = home / "state" / "inboxfollow.json"
    first = None
    if not store.exists():
        start = time.perf_counter()
        run_timed(home, now, "sync")
        first = time.perf_counter() - start
    runs: dict[str, list[dict]] = {name: [] for name in COMMANDS}
    run_timed(home, now, "sync")  # warm the page cache, untimed
    for _ in range(repeat):
        for name in COMMANDS:
            runs[name].append(run_timed(home, now, name))
            log(f"  {size}: {name} {runs[name][-1]['seconds']:.2f} s")
    result = {"size": size, "now": now, "first_sync_s": first, "runs": runs,
              "store_mb": store_mb(store), "messages_on_disk": size}
    if profile_cmd:
        result["profile"] = profile(home, now, profile_cmd, size)
    return result


def summary(result: dict) -> list[str]:
    runs = result["runs"]

    def med(name: str) -> float:
        return statistics.median(r["seconds"] for r in runs[name])

    floor = med("sync")
    limit = max(1.5 * floor, 1.0)
    rows = []
    for name in COMMANDS:
        secs = [r["seconds"] for r in runs[name]]
        rss = max(r["maxrss_mb"] for r in runs[name])
        ratio = med(name) / floor
        verdict = "" if name == "sync" else ("PASS" if med(name) <= limit else "FAIL")
        rows.append(f"| {result['size']} | `{' '.join(COMMANDS[name])}` | {med(name):.2f} s | "
                    f"{min(secs):.2f}-{max(secs):.2f} s | {ratio:.2f}x | {rss:.0f} MB | "
                    f"{verdict} |")
    return rows


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"cpu": cpu, "nproc": os.cpu_count(), "python": platform.python_version(),
            "kernel": platform.release(), "date": datetime.now(UTC).isoformat(timespec="seconds")}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,20000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20_000)
    parser.add_argument("--profile", default="", choices=("", *COMMANDS))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        t0 = time.perf_counter()
        results.append(measure(size, args.seed, args.repeat, args.profile))
        results[-1]["wall_s"] = time.perf_counter() - t0
        log(f"{size}: done in {results[-1]['wall_s']:.0f} s")
    report = {"machine": machine(), "whole_run_s": time.perf_counter() - started,
              "results": results}
    (WORK / "last.json").write_text(json.dumps(report, indent=1))
    print(f"machine: {report['machine']}; whole run {report['whole_run_s']:.0f} s")
    print("| Messages | Command | Median | Range | / no-change sync | Peak RSS | Target |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for result in results:
        print("\n".join(summary(result)))
    for result in results:
        first = result["first_sync_s"]
        print(f"{result['size']}: store {result['store_mb']:.1f} MB; first sync "
              + (f"{first:.1f} s" if first is not None else "(store already there)"))
        if "profile" in result:
            print(f"--- profile at {result['size']} ---\n{result['profile']}")


if __name__ == "__main__":
    main()
