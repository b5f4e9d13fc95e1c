"""The benchmark: how syndicate's commands compare with just reading the posts.

    python bench/run.py [--sizes 1000,10000,100000] [--repeat 3] [--work /tmp/syndicate-bench]

For each size it generates a site with ``bench/gen_posts.py`` and runs, each
as a real subprocess with a fixed ``--now``, taking the median of ``--repeat``
runs (sizes above ``--single-above`` run once, as the table says):

  floor          read every post and parse its front matter with PyYAML's C
                 loader, in a bare Python process: what any tool must pay
  build, cold    ``syndicate build`` with no output folder and no state; and
                 of the same posts as a Jekyll site and as a Hugo site (the
                 Hugo site's "nothing changed" too)
  build, nothing changed / one post changed
                 ``syndicate build`` again (the last run's record answers), and
                 after one recent post's body changed
  publish, ...   the same two with ``syndicate publish``, when it exists
  digest         ``syndicate digest --week 2026-W47``: the 50-post week
                 before --now, read from the whole site

Then, once: ``syndicate --help`` (start-up) and the digest of a site of just
those 50 posts (rendering and inlining without reading a large site).

Wall time, CPU time and peak RSS (``os.wait4``'s rusage of that one child)
are printed as a Markdown table with each wall time's ratio to the floor.
Each cold build runs right after a run of the floor, and its ratio is the
median of those pairs': on a shared machine whose speed drifts from minute to
minute, a floor measured minutes earlier moved the ratio by a tenth. Commands
that do not exist in this checkout are listed as such. Run by hand, never by pytest.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_posts import DIGEST_WEEK, NOW  # noqa: E402

# The floor: nothing but reading each file and parsing its YAML front matter.
FLOOR = r"""
import os, sys, yaml
loader = yaml.CSafeLoader
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), encoding="utf-8") as file:
        text = file.read()
    head = text[3:text.index("\n---", 3)]
    assert isinstance(yaml.load(head, Loader=loader), dict)
"""


@dataclass
class Measure:
    wall: float  # seconds
    cpu: float  # user + system seconds: steadier than wall on a busy machine
    rss_mb: float  # peak resident set size
    code: int
    floor: float | None = None  # the wall time of the floor run just before this one, when paired


def run_child(argv: list[str], env: dict | None = None) -> Measure:
    """Run one command; its wall time and its own peak RSS (not the parent's)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode("utf-8", "replace")
    child.stderr.close()
    if child.returncode != 0:
        print(f"  ! {' '.join(argv[2:5])} exited {child.returncode}: {errors.strip()[:300]}", file=sys.stderr)
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode)


def syndicate(*args: str) -> list[str]:
    return [sys.executable, "-m", "syndicate", *args]


def has_command(name: str) -> bool:
    """Whether this checkout's CLI has ``name`` (publish and digest came later)."""
    probe = subprocess.run(syndicate(name, "--help"), capture_output=True)
    return probe.returncode == 0


# Run in a child: dates every post a minute back (as a clone made before the
# first run) and prints the newest published post (the digest week ends
# before NOW's day), which lands in every main feed.
PREPARE = r"""
import os, sys, time
folder, today = sys.argv[1], sys.argv[2]
checked_out = time.time() - 60
names = sorted(os.listdir(folder))
for name in names:
    os.utime(os.path.join(folder, name), (checked_out, checked_out))
print(max((name for name in names if name < today), default=""))  # a Hugo site's names are no dates
"""


def generate_site(site: Path, size: int, seed: int, flavour: str = "") -> Path:
    """Generate the site; return the post to edit.

    Both happen in child processes: a child forked from a large parent starts
    with the parent's memory and reports it as its own peak RSS, so the
    parent must stay small.
    """
    subprocess.run([sys.executable, str(Path(__file__).with_name("gen_posts.py")), str(site), str(size),
                    "--seed", str(seed), *([f"--{flavour}"] if flavour else [])], check=True)
    posts = site / ("content/posts" if flavour == "hugo" else "_posts")
    found = subprocess.run([sys.executable, "-c", PREPARE, str(posts), NOW[:10]],
                           check=True, capture_output=True, text=True)
    return posts / found.stdout.strip()


def reset_outputs(site: Path) -> None:
    """Remove everything a run leaves, so the next build is cold."""
    for folder in ("public", ".syndicate"):
        shutil.rmtree(site / folder, ignore_errors=True)


def edit_one_post(post: Path, round_: int) -> None:
    """Change a recent post's body (not just its mtime), differently each round.

    The edit is dated a few seconds back, as an edit made before a cron run
    is: syndicate does not trust a file saved in the very second it runs.
    """
    text = post.read_text(encoding="utf-8")
    marker = "\n\n<!-- bench edit -->"
    text = text.split(marker, 1)[0]
    post.write_text(f"{text}{marker}\nEdited in round {round_}.\n", encoding="utf-8")
    saved = time.time() - 5
    os.utime(post, (saved, saved))


def settle() -> None:
    """Wait out the record's racy window, as cron's minutes between runs do.

    A state file (first-seen.json) written less than two seconds before a
    run is read again by it (lastrun.RACY_NS): back-to-back runs on a small
    site would measure that, not a run in which nothing changed.
    """
    time.sleep(2.1)


def measure_size(size: int, repeat: int, work: Path, seed: int, commands: dict[str, bool]) -> dict:
    """Every case at one size; returns case → (list of Measure) or a reason string."""
    site = work / f"site-{size}"
    started = time.perf_counter()
    target = generate_site(site, size, seed)
    print(f"[{size}] generated in {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    now = ("--now", NOW)
    results: dict[str, list[Measure] | str] = {}

    floors: list[Measure] = []
    results["floor"] = floors

    def cold_builds(folder: Path) -> list[Measure]:
        """Cold builds, each right after a run of the floor: the host's speed drifts within minutes."""
        measures = []
        for _ in range(repeat):
            floors.append(run_child([sys.executable, "-c", FLOOR, str(site / "_posts")]))
            reset_outputs(folder)
            measure = run_child(syndicate("build", "--site", str(folder), *now, "-q"))
            measures.append(replace(measure, floor=floors[-1].wall))
        return measures

    results["build, cold"] = cold_builds(site)

    # The same posts read by Jekyll's rules (_config.yml alone): URLs, ids,
    # dates as Ruby reads them, and Liquid and kramdown in a fifth of them.
    # And as a Hugo site's pages (hugo.toml, content/posts/, a tenth as leaf
    # bundles): Hugo's rules, goldmark, and its feeds of every tag and category.
    for flavour, name in (("jekyll", "Jekyll"), ("hugo", "Hugo")):
        other_site = work / f"site-{size}-{flavour}"
        generate_site(other_site, size, seed, flavour)
        results[f"build, cold, {name} site"] = cold_builds(other_site)
        if flavour == "hugo":
            run_child(syndicate("build", "--site", str(other_site), *now, "-q"))  # fills the posts index
            settle()
            results["build, nothing changed, Hugo site"] = [
                run_child(syndicate("build", "--site", str(other_site), *now, "-q")) for _ in range(repeat)]
        shutil.rmtree(other_site, ignore_errors=True)

    # build again: the last run's record (syndicate.incremental.lastrun) answers for every post.
    settle()
    results["build, nothing changed"] = [
        run_child(syndicate("build", "--site", str(site), *now, "-q")) for _ in range(repeat)]
    changed = []
    for round_ in range(repeat):
        edit_one_post(target, round_)
        changed.append(run_child(syndicate("build", "--site", str(site), *now, "-q")))
    results["build, one post changed"] = changed

    if commands["publish"]:
        run_child(syndicate("publish", "--site", str(site), *now, "-q"))  # brings state up to date
        settle()
        results["publish, nothing changed"] = [
            run_child(syndicate("publish", "--site", str(site), *now, "-q")) for _ in range(repeat)]
        changed = []
        for round_ in range(repeat):
            edit_one_post(target, repeat + round_)
            changed.append(run_child(syndicate("publish", "--site", str(site), *now, "-q")))
        results["publish, one post changed"] = changed
    else:
        results["publish, nothing changed"] = results["publish, one post changed"] = "no publish command yet"

    if commands["digest"]:
        results["digest, 50-post week"] = [
            run_child(syndicate("digest", "--site", str(site), *now, "--week", DIGEST_WEEK, "-q")) for _ in range(repeat)]
    else:
        results["digest, 50-post week"] = "no digest command yet"
    return results


def table(rows: list[tuple[int, dict]]) -> str:
    """The results as a Markdown table, wall time as a ratio to that size's floor."""
    lines = ["| posts | case | wall (median) | × floor | CPU (median) | peak RSS | runs |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for size, results in rows:
        floor = statistics.median(m.wall for m in results["floor"])
        for case, measures in results.items():
            if isinstance(measures, str):
                lines.append(f"| {size:,} | {case} | – | – | – | – | {measures} |")
                continue
            wall = statistics.median(m.wall for m in measures)
            cpu = statistics.median(m.cpu for m in measures)
            rss = statistics.median(m.rss_mb for m in measures)
            failed = "" if all(m.code == 0 for m in measures) else " (exit ≠ 0)"
            # A paired case: the median of each run's ratio to the floor run just before it.
            ratio = (statistics.median(m.wall / m.floor for m in measures) if all(m.floor for m in measures)
                     else wall / floor)
            lines.append(f"| {size:,} | {case}{failed} | {wall:.2f} s | {ratio:.2f} | "
                         f"{cpu:.2f} s | {rss:.0f} MB | {len(measures)} |")
    return "\n".join(lines)


def small_digest(work: Path, repeat: int, seed: int) -> str:
    """The digest of a 50-post site: rendering and inlining, little reading."""
    site = work / "site-50"
    generate_site(site, 50, seed)
    measures = [run_child(syndicate("digest", "--site", str(site), "--now", NOW, "--week", DIGEST_WEEK, "-q"))
                for _ in range(max(repeat, 5))]
    shutil.rmtree(site, ignore_errors=True)
    wall = statistics.median(m.wall for m in measures)
    cpu = statistics.median(m.cpu for m in measures)
    rss = statistics.median(m.rss_mb for m in measures)
    return (f"`syndicate digest` of a 50-post site: {wall:.3f} s wall, {cpu:.3f} s CPU, "
            f"{rss:.0f} MB peak RSS (median of {len(measures)})")


def startup(repeat: int) -> str:
    """``syndicate --help``: what every cron run pays before any work."""
    measures = [run_child(syndicate("--help")) for _ in range(max(repeat, 5))]
    wall = statistics.median(m.wall for m in measures)
    cpu = statistics.median(m.cpu for m in measures)
    rss = statistics.median(m.rss_mb for m in measures)
    return (f"`syndicate --help`: {wall:.3f} s wall, {cpu:.3f} s CPU, {rss:.0f} MB peak RSS "
            f"(median of {len(measures)})")


def machine() -> str:
    """CPU model, core count and Python version, for the table's caption."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated post counts (default 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is shown (default 3)")
    parser.add_argument("--single-above", type=int, default=50_000,
                        help="sizes above this run each case once (default 50000)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/syndicate-bench"),
                        help="where the generated sites go (default /tmp/syndicate-bench)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated sites afterwards")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    # Byte-compiled, as pip leaves an installed package: a checkout edited
    # under PYTHONDONTWRITEBYTECODE would compile every module on every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parent.parent / "syndicate")],
                   check=True)
    commands = {name: has_command(name) for name in ("publish", "digest")}
    # The small cases first, while this process is smallest (see generate_site).
    lines = [startup(args.repeat)]
    if commands["digest"]:
        lines.insert(0, small_digest(args.work, args.repeat, args.seed))
    rows, changed = [], []
    for size in sizes:
        repeat = 1 if size > args.single_above else args.repeat
        before = code_hash()
        rows.append((size, measure_size(size, repeat, args.work, args.seed, commands)))
        if code_hash() != before:
            changed.append(size)
        if not args.keep:
            shutil.rmtree(args.work / f"site-{size}", ignore_errors=True)
    print(f"Machine: {machine()}; --now {NOW}.\n")
    print(table(rows))
    print()
    print("\n\n".join(lines))
    if changed:
        # Every run after a code change is a cold one: the caches are keyed by the code.
        print(f"\nWARNING: syndicate's code changed while {', '.join(map(str, changed))} posts were "
              "measured; those rows are not comparable.")
    return 0


def code_hash() -> str:
    """The package's source, to notice an edit made while the benchmark runs."""
    digest = hashlib.sha256()
    for module in sorted((Path(__file__).resolve().parent.parent / "syndicate").rglob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()


if __name__ == "__main__":
    sys.exit(main())
