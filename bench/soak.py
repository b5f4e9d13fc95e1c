"""The soak: many ``syndicate publish`` runs against a flaky mail server, random kills and a jumping clock.

    python bench/soak.py [--runs 200] [--seed 15] [--work /tmp/syndicate-soak]

A site with a weekly digest (sending on) is published ``--runs`` times, each
run a real subprocess with its own ``--now``. The clock moves on 4 to 30
hours a run; now and then one run's clock is a few days behind or (in the second
half) a month to a year ahead, and the next run's is right again. A post is written every
other run or so, dated by the right clock. Before each run the SMTP server
on 127.0.0.1 (tests/smtp_sink.py) is told how to misbehave:

  ok          answers as it should
  451 / 554   refuses the message (temporary / permanent)
  drop        takes the message, then closes the connection without a 250
  kill-250    takes the message, and the run is killed before the 250 reaches it
  quit-421 / quit-500
              answers QUIT with an error
  kill-quit   says nothing to QUIT, and the run is killed while it waits

and, whatever the mode, a run is killed (SIGKILL) at a random moment with
probability ``--kill``, 0.05 to 0.8 s after it started. Retries within a run
pause 0.2 s, not 2 to 30 s.
Then a few runs with the server behaving settle what is still waiting.

Counted at the server, per digest period: the messages it took, and which of
them came in the window README's "Never twice" states: taken, but no QUIT
came after the 250 on that connection (the 250 never arrived, or the run died
before it could say QUIT). Each period must be delivered exactly once but for
copies that follow a delivery in that window; state.json must say "sent" for
exactly the periods delivered, with the Message-ID delivered, and no post may
be in two digests. Prints the figures; exits 1 when any check fails. Run by
hand, never by pytest.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from syndicate.commands.publish import UNANSWERED_LIMIT  # noqa: E402
from tests.conftest import BASIC_CONFIG  # noqa: E402
from tests.smtp_sink import DROP, HOLD, STALL, Sink, digest_config, running  # noqa: E402

START = datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc)
MODES = {  # mode: weight
    "ok": 40, "451": 8, "554": 4, "drop": 6, "kill-250": 6, "quit-421": 8, "quit-500": 6, "kill-quit": 10,
}
# `python -m syndicate`, with the pauses between SMTP attempts cut to 0.2 s.
PUBLISH = ("import runpy, syndicate.write.smtp as smtp; smtp.RETRY_DELAYS = (0.2, 0.2, 0.2); "
           "runpy.run_module('syndicate', run_name='__main__', alter_sys=True)")


def write_post(root: Path, number: int, when: datetime) -> None:
    local = when.astimezone(timezone(timedelta(hours=9)))
    path = root / "posts" / f"{local:%Y-%m-%d}-post-{number}.md"
    path.write_text(f"---\ntitle: Post {number}\ndate: {local:%Y-%m-%d %H:%M:%S %z}\n---\nBody {number}.\n",
                    encoding="utf-8")


def script(sink: Sink, mode: str) -> None:
    """Tell the server how to answer this run."""
    sink.taken.clear()
    sink.quit_seen.clear()
    sink.release.clear()
    sink.data_replies = {"451": ["451 4.3.0 Try again later"], "554": ["554 5.7.1 Not now"], "drop": [DROP],
                         "kill-250": [HOLD]}.get(mode, [])
    sink.quit_reply = {"quit-421": "421 4.3.2 Bye", "quit-500": "500 5.5.1 What?", "kill-quit": STALL}.get(
        mode, "221 Bye")


def publish(root: Path, now: datetime, sink: Sink, mode: str, kill_after: float | None) -> tuple[str, str]:
    """One run; returns (how it ended, its stderr). A run is killed on the server's cue or at ``kill_after`` s."""
    child = subprocess.Popen([sys.executable, "-c", PUBLISH, "publish", "--site", str(root),
                              "--now", now.isoformat()], cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.append(child.stderr.read()))
    reader.start()
    cue = {"kill-250": sink.taken, "kill-quit": sink.quit_seen}.get(mode)
    started = time.monotonic()
    ended = "ran"
    while child.poll() is None:
        if (cue is not None and cue.is_set()) or (kill_after is not None and time.monotonic() - started > kill_after):
            child.send_signal(signal.SIGKILL)
            ended = "killed on cue" if cue is not None and cue.is_set() else "killed at random"
            break
        time.sleep(0.01)
    child.wait()
    sink.release.set()
    reader.join()
    if ended == "ran":
        ended = f"exit {child.returncode}"
    return ended, stderr[0] if stderr else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--kill", type=float, default=0.3, help="probability of a kill at a random moment")
    parser.add_argument("--work", type=Path, default=Path("/tmp/syndicate-soak"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root = args.work / "site"
    shutil.rmtree(args.work, ignore_errors=True)
    (root / "posts").mkdir(parents=True)
    sink = Sink()
    endings: Counter = Counter()
    modes: Counter = Counter()
    clocks: Counter = Counter()
    bugs: list[str] = []
    said: Counter = Counter()  # the runs' error lines, digits as 0
    with running(sink) as port:
        (root / "syndicate.toml").write_text(BASIC_CONFIG + digest_config(port, timeout=3), encoding="utf-8")
        clock, posts = START, 0
        for run in range(args.runs + 5):
            settling = run >= args.runs
            clock += timedelta(hours=0 if settling else rng.uniform(4, 30))
            if not settling and rng.random() < 0.5:
                posts += 1
                write_post(root, posts, clock - timedelta(minutes=rng.uniform(1, 600)))
            now, jump = clock, "right"
            if not settling and run >= args.runs // 2 and rng.random() < 0.04:
                now, jump = clock + timedelta(days=rng.uniform(30, 365)), "ahead"
            elif not settling and rng.random() < 0.04:
                now, jump = clock - timedelta(days=rng.uniform(0.5, 6)), "behind"
            mode = "ok" if settling else rng.choices(list(MODES), weights=list(MODES.values()))[0]
            kill_after = None if settling or rng.random() >= args.kill else rng.uniform(0.05, 0.8)
            script(sink, mode)
            ended, stderr = publish(root, now, sink, mode, kill_after)
            endings[ended] += 1
            modes[mode] += 1
            clocks[jump] += 1
            said.update(re.sub(r"\d", "0", line) for line in stderr.splitlines() if not line.startswith("failed:"))
            if "Traceback" in stderr:
                bugs.append(f"run {run}: a traceback\n{stderr}")
            try:
                json.loads((root / ".syndicate/state.json").read_text(encoding="utf-8"))
            except FileNotFoundError:
                pass
            except ValueError as exc:
                bugs.append(f"run {run}: state.json is not whole JSON ({exc})")
    return report(root, sink, args.runs, endings, modes, clocks, said, bugs)


def report(root: Path, sink: Sink, runs: int, endings: Counter, modes: Counter, clocks: Counter,
           said: Counter, bugs: list[str]) -> int:
    records = {d["period"]: d for d in json.loads((root / ".syndicate/state.json").read_text())["digests"]}
    by_period: dict[str, list[tuple[str, bool]]] = {}
    for message, quitted in zip(sink.messages, sink.quitted):
        period = str(message["Message-ID"]).split(".")[1]
        by_period.setdefault(period, []).append((str(message["Message-ID"]), quitted))
    for period, deliveries in sorted(by_period.items()):
        in_window = sum(not quitted for _, quitted in deliveries[:-1])
        if len(deliveries) - 1 > in_window:
            bugs.append(f"{period}: {len(deliveries)} deliveries, {in_window} of the earlier ones in the window")
        record = records.get(period)
        if record is None or record["status"] != "sent" or record["message_id"] != deliveries[-1][0]:
            bugs.append(f"{period}: delivered, but state.json says {record and record['status']}")
    for period, record in records.items():
        if record["status"] == "sent" and period not in by_period:
            bugs.append(f"{period}: state.json says sent, the server never had it")
        if record["status"] == "sending":
            bugs.append(f"{period}: still waiting to be sent after the settling runs")
    posts = Counter(post for record in records.values() for post in record["files"])
    bugs += [f"{post} is in {count} digests" for post, count in posts.items() if count > 1]
    counts = Counter(len(deliveries) for deliveries in by_period.values())
    window = sum(not quitted for deliveries in by_period.values() for _, quitted in deliveries)
    print(f"runs: {runs} (+5 settling), ended: {dict(sorted(endings.items()))}")
    print(f"server modes: {dict(sorted(modes.items()))}")
    print(f"clock: {dict(sorted(clocks.items()))}")
    print("stderr, by line (digits as 0):")
    for line, count in said.most_common():
        print(f"  {count:4} {line[:160]}")
    print(f"posts: {len(list((root / 'posts').glob('*.md')))}, in a digest: {len(posts)}")
    given_up = sorted(p for p, r in records.items() if r.get("unanswered", 0) >= UNANSWERED_LIMIT)
    print(f"periods recorded: {len(records)} ({dict(Counter(r['status'] for r in records.values()))}); "
          f"counted as sent after {UNANSWERED_LIMIT} lost answers: {given_up or 'none'}")
    print(f"periods delivered: {len(by_period)}; deliveries per period: {dict(sorted(counts.items()))}; "
          f"messages taken: {len(sink.messages)}, in the window (no QUIT after the 250): {window}")
    for period, deliveries in sorted(by_period.items()):
        if len(deliveries) > 1:
            print(f"  {period}: {len(deliveries)} deliveries, "
                  f"{['in the window' if not q else 'confirmed' for _, q in deliveries]}")
    print("\n".join(bugs) if bugs else "every period exactly once, outside the stated window")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
