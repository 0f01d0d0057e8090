"""Benchmark of issue 11 at every size, each figure a whole `inboxfollow` process on Dovecot.

    .venv/bin/python bench/scale.py [--sizes 2000,20000,100000] [--repeat 5] [--write]
        [--sync-rounds 5,5,3] [--phases first,poll,derived,mbsync,idle]

For each size it builds a Dovecot account from the generated mail of `run.py`
(`mailgen.py`, cached in `bench/work/`) and a config for it, then, in one run:

- first sync: `inboxfollow sync` into a fresh store, as a whole process,
  alternating with the floor (a bare imapclient UID FETCH of ENVELOPE and
  BODYSTRUCTURE in batches of 500, in a process of its own), `--repeat` times
  (or `--sync-rounds` per size); the table gives the median, its range and the
  range of the per-round ratios;
  peak RSS is that of the whole process tree (the sync's worker included),
  sampled every 50 ms;
- no-change poll: `inboxfollow sync` again, `--repeat` times, after Dovecot has
  settled (a read-write SELECT of each folder, as the owner's mail client does);
- the derived commands, each once cold (the derived state beside the store removed,
  as the first command after new mail finds it when no daemon kept it current) and
  then `--repeat` times warm: `quotes --status all --json`, `contacts --json`,
  `digest --preview FILE`, `drafts --dry-run`;
- mbsync's no-change resync of the same account into a local Maildir, where
  `mbsync` is installed (Debian's isync), `--repeat` times after one full sync;
- IDLE reaction: one `inboxfollow run` with a poll interval of an hour; once it is
  idle (no CPU for 3 s), a reply APPENDed to INBOX, and the time until the store holds
  it (`--repeat` times, at most 3).

Figures are medians with the range beside them; ratios compare within the run. The
package is byte-compiled first, as pip leaves an installed one.
`--write` adds the table to bench/RESULTS.md (with the machine and the date).
Timings are not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work" / "scale"
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

import run  # noqa: E402 - after the path above

PASSWORD_ENV = "BENCH_IMAP_PASSWORD"
DERIVED = {
    "quotes": ["quotes", "--status", "all", "--json"],
    "contacts": ["contacts", "--json"],
    "digest": ["digest", "--preview", "{preview}"],
    "drafts": ["drafts", "--dry-run"],
}


def write_config(home: Path, acc: dict, now: str) -> Path:
    from mailgen import OWNER_EMAIL, OWNER_NAME

    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.toml"
    config.write_text(
        f'[owner]\nname = "{OWNER_NAME}"\naddresses = ["{OWNER_EMAIL}"]\ntimezone = "UTC"\n\n'
        f'[imap]\nhost = "{acc["host"]}"\nport = {acc["port"]}\nsecurity = "none"\n'
        f'username = "{acc["username"]}"\npassword_env = "{PASSWORD_ENV}"\ntimeout = 120\n\n'
        '[store]\npath = "state/inboxfollow.json"\n\n[sync]\nevery_minutes = 60\n',
        encoding="utf-8",
    )
    return config


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> dict:
    """One whole process: wall time and the peak RSS of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], run._tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {"seconds": seconds, "tree_peak_mb": peak[0]}


def inboxfollow(config: Path, now: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "inboxfollow", "--config", str(config), "--now", now, *args]


def settle(acc: dict) -> None:
    """As the owner's mail client would: a read-write SELECT of each folder."""
    client = run._client(acc)
    for folder in (*run.FOLDERS, "Drafts"):
        client.select_folder(folder)
    client.logout()


def reply_message(acc: dict) -> bytes:
    from mailgen import OWNER_EMAIL

    msg = EmailMessage()
    msg["From"] = "Ann Buyer <ann@buyer-bench.example>"
    msg["To"] = OWNER_EMAIL
    msg["Subject"] = "Re: your quote"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="buyer-bench.example")
    msg.set_content("Thanks, we will go ahead.")
    return msg.as_bytes()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid: int, quiet: float = 3.0, limit: float = 300.0) -> float:
    """Until process `pid` used no CPU for `quiet` seconds (its cycle and the refresh of
    the kept state after it are done); returns how long that took."""
    start = last_change = time.perf_counter()
    used = _cpu_seconds(pid)
    while time.perf_counter() - last_change < quiet and time.perf_counter() - start < limit:
        time.sleep(0.25)
        now_used = _cpu_seconds(pid)
        if now_used > used + 0.02:
            used, last_change = now_used, time.perf_counter()
    return time.perf_counter() - start


def idle_reactions(acc: dict, config: Path, now: str, env: dict[str, str], home: Path,
                   rounds: int) -> list[float]:
    """One `inboxfollow run` (poll every hour, the clock at `now` as for every other
    figure): for each round, once it is idle, seconds from an APPEND to INBOX until the
    store holds the message (the mail is saved before the answers job looks at it)."""
    from inboxfollow.store import open_store

    daemon = subprocess.Popen([sys.executable, "-m", "inboxfollow", "--config", str(config),
                               "--now", now, "run", "-q"], env=env, cwd=home,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = home / "state" / "inboxfollow.json"
    found = []
    try:
        for _ in range(rounds):
            time.sleep(2)  # started: its first cycle and the IDLE watch are under way
            wait_idle(daemon.pid)
            raw = reply_message(acc)
            wanted = raw.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip().decode()
            client = run._client(acc)
            start = time.perf_counter()
            client.append("INBOX", raw)
            client.logout()
            found.append(float("nan"))
            while time.perf_counter() - start < 120:
                time.sleep(0.1)
                try:
                    with open_store(store, readonly=True) as copy:
                        if copy.has_message(wanted):
                            found[-1] = time.perf_counter() - start
                            break
                except Exception:  # noqa: BLE001 - a store being replaced: read it again
                    continue
        return found
    finally:
        daemon.terminate()
        daemon.wait(180)  # it finishes the job it is in


def mbsync_resync(acc: dict, home: Path, repeat: int) -> list[float]:
    if shutil.which("mbsync") is None:
        return []
    local = home / "mbsync-maildir"
    local.mkdir(parents=True, exist_ok=True)
    rc = home / "mbsyncrc"
    rc.write_text(
        f"IMAPAccount bench\nHost {acc['host']}\nPort {acc['port']}\nUser {acc['username']}\n"
        f"Pass {acc['password']}\nSSLType None\nAuthMechs LOGIN\n\n"
        "IMAPStore remote\nAccount bench\n\n"
        f"MaildirStore local\nPath {local}/\nInbox {local}/INBOX\nSubFolders Verbatim\n\n"
        "Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX Sent\nCreate Near\n"
        "Sync Pull\nSyncState *\n", encoding="utf-8")
    argv = ["mbsync", "-q", "-c", str(rc), "bench"]
    subprocess.run(argv, check=True, capture_output=True)  # the full sync, untimed
    return [timed(argv, dict(os.environ), home)["seconds"] for _ in range(repeat)]


PHASES = ("first", "poll", "derived", "mbsync", "idle")


def measure(server: object, size: int, seed: int, repeat: int, rounds: int,
            phases: tuple[str, ...] = PHASES) -> dict:
    t0 = time.perf_counter()
    acc, info = run.build_account(server, f"scale{size}", size, seed)
    home = WORK / f"box-{size}"
    shutil.rmtree(home, ignore_errors=True)
    newest = max(datetime.fromtimestamp(p.stat().st_mtime, UTC)
                 for p in (run.WORK / f"mail-{seed}-{size}" / "INBOX").iterdir())
    now = (newest + timedelta(days=1)).isoformat(timespec="seconds")
    config = write_config(home, acc, now)
    env = dict(os.environ, **{PASSWORD_ENV: acc["password"]})
    store = home / "state" / "inboxfollow.json"
    run.log(f"{size}: account ready in {time.perf_counter() - t0:.0f} s")
    floors, firsts = [], []
    for _ in range(rounds):
        floors.append(run.run_child("floor", acc=acc))
        for old in store.parent.glob("*") if store.parent.exists() else []:
            old.unlink()
        firsts.append(timed(inboxfollow(config, now, "sync"), env, home))
        run.log(f"{size}: floor {floors[-1]['seconds']:.2f} s, first sync "
                f"{firsts[-1]['seconds']:.2f} s, {firsts[-1]['tree_peak_mb']:.0f} MB")
    settle(acc)
    polls = []
    if "poll" in phases:
        polls = [timed(inboxfollow(config, now, "sync"), env, home) for _ in range(repeat)]
        run.log(f"{size}: no-change poll {statistics.median(p['seconds'] for p in polls):.2f} s")
    from inboxfollow.app.derived_state import state_folder

    derived = {}
    kept = state_folder(store)
    for name, args in DERIVED.items() if "derived" in phases else ():
        argv = inboxfollow(config, now, *[a.format(preview=home / "d.html") for a in args])
        shutil.rmtree(kept, ignore_errors=True)  # cold: as the first command after new mail
        cold = timed(argv, env, home)
        derived[name] = {"cold": cold, "warm": [timed(argv, env, home) for _ in range(repeat)]}
        run.log(f"{size}: {name} cold {cold['seconds']:.2f} s, warm "
                f"{statistics.median(r['seconds'] for r in derived[name]['warm']):.2f} s")
    mbsync = mbsync_resync(acc, home, repeat) if "mbsync" in phases else []
    reactions = []
    if "idle" in phases:
        reactions = idle_reactions(acc, config, now, env, home, min(repeat, 3))
        run.log(f"{size}: IDLE reaction {reactions}")
    return {"size": size, "info": info, "floor": floors, "first_sync": firsts, "polls": polls,
            "derived": derived, "mbsync": mbsync, "idle": reactions,
            "store_mb": run.store_mb(store)}


def med(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def table(results: list[dict]) -> str:
    rows = ["| messages | what | median (range) | ratio | peak RSS (tree) |",
            "|---:|---|---|---|---:|"]
    for r in results:
        n = f"{r['size']:,}"
        floor = [x["seconds"] for x in r["floor"]]
        first = [x["seconds"] for x in r["first_sync"]]
        ratio = statistics.median(first) / statistics.median(floor)
        rows.append(f"| {n} | FETCH floor | {med(floor)} | 1.00x | "
                    f"{max(x['maxrss_mb'] for x in r['floor']):.0f} MB |")
        ratios = sorted(f["seconds"] / g["seconds"]
                        for f, g in zip(r["first_sync"], r["floor"], strict=True))
        rows.append(f"| {n} | first sync ({len(first)} rounds) | {med(first)} | {ratio:.2f}x "
                    f"floor (per round {ratios[0]:.2f}-{ratios[-1]:.2f}) | "
                    f"{max(x['tree_peak_mb'] for x in r['first_sync']):.0f} MB |")
        polls = [x["seconds"] for x in r["polls"]]
        if polls:
            rows.append(f"| {n} | no-change poll (`sync`) | {med(polls)} | 1.00x | "
                        f"{max(x['tree_peak_mb'] for x in r['polls']):.0f} MB |")
        for name, runs in r["derived"].items():
            secs = [x["seconds"] for x in runs["warm"]]
            cold = runs["cold"]
            versus = (f"{statistics.median(secs) / statistics.median(polls):.2f}x poll; cold "
                      f"{cold['seconds']:.2f} s = "
                      f"{cold['seconds'] / statistics.median(polls):.1f}x" if polls else "")
            rows.append(f"| {n} | `{name}` (kept state) | {med(secs)} | {versus} | "
                        f"{max(x['tree_peak_mb'] for x in runs['warm']):.0f} MB; cold "
                        f"{cold['tree_peak_mb']:.0f} MB |")
        if r["mbsync"] and polls:
            rows.append(f"| {n} | mbsync no-change resync | {med(r['mbsync'])} | "
                        f"{statistics.median(r['mbsync']) / statistics.median(polls):.2f}x "
                        "poll | |")
        if r["idle"]:
            rows.append(f"| {n} | IDLE reaction (APPEND to stored) | {med(r['idle'])} | | |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,20000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sync-rounds", default="",
                        help="first-sync rounds per size, e.g. 5,5,1 (default: --repeat)")
    parser.add_argument("--seed", type=int, default=20_000)
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"what to measure, of {','.join(PHASES)} (default: all)")
    parser.add_argument("--write", action="store_true", help="add the table to RESULTS.md")
    args = parser.parse_args()
    from tests.dovecot import DovecotServer

    WORK.mkdir(parents=True, exist_ok=True)
    # As pip installs it: byte-compiled (a checkout run with PYTHONDONTWRITEBYTECODE=1
    # would compile every module at every start, about 0.1 s of each whole process).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "inboxfollow")],
                   check=True)
    started = datetime.now(UTC)
    server = DovecotServer.start()
    results = []
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
        rounds = [int(r) for r in args.sync_rounds.split(",")] if args.sync_rounds else []
        for i, size in enumerate(sizes):
            t = time.perf_counter()
            results.append(measure(server, size, args.seed, args.repeat,
                                   rounds[i] if i < len(rounds) else args.repeat,
                                   tuple(args.phases.split(","))))
            results[-1]["seconds"] = time.perf_counter() - t
            run.log(f"{size}: done in {results[-1]['seconds']:.0f} s")
    finally:
        server.stop()
    (WORK / "last.json").write_text(json.dumps(results, indent=1))
    text = table(results)
    print(text)
    if args.write:
        machine = run.machine()
        took = ", ".join(f"{r['size']:,}: {r['seconds'] / 60:.0f} min" for r in results)
        with (BENCH / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(f"\n## Scale, every size ({started:%Y-%m-%d}, bench/scale.py)\n\n"
                      f"Machine: {json.dumps(machine)}. Repeats: {args.repeat} (first-sync "
                      f"rounds: {args.sync_rounds or args.repeat}). "
                      f"Run time per size: {took}.\n\n{text}\n")


if __name__ == "__main__":
    main()
