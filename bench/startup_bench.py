"""Startup at 1M songs (issue 13): seconds from process start to ready, and memory per worker.

    .venv/bin/python bench/startup_bench.py            # 100k and 1M, prints the markdown section
    .venv/bin/python bench/startup_bench.py --sizes 100k --no-gunicorn

"Ready" is what a worker needs before it serves a catalog: the catalog loaded, the scaled
matrix of the default feature space and the search index. Each measurement is a fresh
Python process (imports included, as a gunicorn worker pays them) that reports the time
from its start to ready:

- before: ``catalog_or_demo(path)`` parses the CSV, then scaling and the index are computed;
- cold: ``catalog_or_demo(path, cache_dir)`` with an empty cache: parses and writes the prepared
  copy (core.prepared), what ``python -m app.prepare`` or the first worker pays once per host;
- warm: the same with the copy present: every later process (median of WARM_REPEATS).

Then gunicorn with 4 gthread workers on 127.0.0.1 serves the 1M catalog, before (the prepared
folder made unwritable, so each worker parses the CSV) and after (the copy prepared first),
and each worker's RSS, PSS and USS are read from /proc/<pid>/smaps_rollup once the workers
are idle (search index built). PSS splits shared pages between the processes that map them,
USS counts only a worker's own: their gap is what the workers share.

CSVs are generated like bench/engine_bench.py's (the reference file resampled with noise)
in a temporary folder and deleted afterwards; nothing is committed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

SIZES = {"100k": 100_000, "1M": 1_000_000}
WARM_REPEATS = 3
WORKERS = 4
SEED = 11

#: Runs in a fresh process: argv = start time (time.time() before Popen), csv, cache dir or "-".
_CHILD = r"""
import json, sys, time
started = float(sys.argv[1])
from pathlib import Path
from core.cache import ModelCache
from core.clustering import DEFAULT_SCALER
from core.demo import catalog_or_demo
from core.engine import Engine
imported = time.time()
cache = None if sys.argv[3] == "-" else Path(sys.argv[3])
catalog, notices = catalog_or_demo(Path(sys.argv[2]), cache)
assert not notices, notices
loaded = time.time()
engine = Engine(catalog, ModelCache(Path(sys.argv[4])))
engine.scaled(catalog.features, DEFAULT_SCALER)
scaled = time.time()
engine.search_index()
ready = time.time()
if len(sys.argv) > 5:  # hold: touch every array (as a worker that served searches and fits), then wait
    import numpy as np
    arrays = [catalog.feature_matrix(), engine.scaled(catalog.features, DEFAULT_SCALER)]
    arrays += [a for a in vars(engine.search_index()).values() if isinstance(a, np.ndarray)]
    touched = sum(float(np.asarray(a, dtype=np.float64).sum()) for a in arrays)
rollup = {}
for line in open("/proc/self/smaps_rollup"):
    parts = line.split()
    if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
        rollup[parts[0][:-1]] = int(parts[1]) / 1024
print(json.dumps({
    "ready_s": ready - started, "imports_s": imported - started, "load_s": loaded - imported,
    "scaled_s": scaled - loaded, "index_s": ready - scaled, "songs": len(catalog),
    "rss_mb": rollup.get("Rss", 0.0), "fingerprint": catalog.fingerprint,
}), flush=True)
if len(sys.argv) > 5:
    sys.stdin.read()
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(label: str, folder: Path) -> Path:
    import engine_bench

    path = folder / f"catalog_{label}.csv"
    engine_bench.resample(engine_bench.read_reference(), SIZES[label], SEED).to_csv(path, index=False)
    return path


def child(csv: Path, cache: Path | None, models: Path) -> dict:
    command = [sys.executable, "-c", _CHILD, repr(time.time()), str(csv), str(cache or "-"), str(models)]
    out = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def held(csv: Path, cache: Path | None, models: Path, n: int = WORKERS) -> list[dict[str, float]]:
    """``n`` processes loading at once, every array touched, alive together: each one's memory
    read while all are (PSS divides the pages they share; USS is what each has alone)."""
    command = [sys.executable, "-c", _CHILD, "0", str(csv), str(cache or "-"), str(models), "hold"]
    processes = [
        subprocess.Popen(command, cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(n)
    ]
    try:
        for process in processes:
            json.loads(process.stdout.readline())
        return [smaps(process.pid) for process in processes]
    finally:
        for process in processes:
            process.stdin.close()
            process.wait(timeout=60)


def measure_size(label: str, csv: Path, work: Path) -> dict:
    models = work / f"models-{label}"
    before = child(csv, None, models)
    log(f"{label} before: {before['ready_s']:.2f} s")
    cache = work / f"cache-{label}"
    cold = child(csv, cache, models)
    log(f"{label} cold: {cold['ready_s']:.2f} s")
    warm = [child(csv, cache, models) for _ in range(WARM_REPEATS)]
    log(f"{label} warm: {[round(w['ready_s'], 2) for w in warm]}")
    assert before["fingerprint"] == cold["fingerprint"] == warm[0]["fingerprint"]
    median = sorted(warm, key=lambda w: w["ready_s"])[len(warm) // 2]
    return {
        "label": label,
        "songs": before["songs"],
        "before": before,
        "cold": cold,
        "warm": median,
        "warm_all": [w["ready_s"] for w in warm],
    }


# -- gunicorn ------------------------------------------------------------------------------
def smaps(pid: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup") as file:
        for line in file:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                out[parts[0][:-1]] = int(parts[1]) / 1024
    out["USS"] = out.get("Private_Clean", 0.0) + out.get("Private_Dirty", 0.0)
    out["File"] = out.get("Rss", 0.0) - out.get("Anonymous", 0.0)
    return out


def tree_pss(pid: int) -> float:
    """PSS of a process and its descendants (a worker and the job launcher it forks)."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            total += smaps(current)["Pss"]
            todo += workers_of(current)
    return total


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def workers_of(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def healthy(port: int) -> bool:
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def serve(csv: Path, cache: Path, prepared: bool) -> dict:
    """gunicorn with WORKERS workers on csv; seconds to the first /healthz answer, to idle
    workers, and each worker's memory then."""
    from tests.services import free_port, gunicorn_command

    cache.mkdir(parents=True, exist_ok=True)
    if not prepared:
        (cache / "prepared").write_text("not a folder: every worker parses the CSV (the code before issue 13)")
    port = free_port()
    env = {**os.environ, "AUDIOSPACE_DATA": str(csv), "AUDIOSPACE_CACHE_DIR": str(cache)}
    started = time.monotonic()
    process = subprocess.Popen(
        gunicorn_command(port, workers=WORKERS, threads=4, timeout_s=300),
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not healthy(port):
            if time.monotonic() - started > 300:
                raise RuntimeError("gunicorn did not answer within 300 s")
            time.sleep(0.05)
        first = time.monotonic() - started
        pids: list[int] = []
        while len(pids) < WORKERS:
            pids = workers_of(process.pid)
            time.sleep(0.1)
        # idle: no worker used CPU for a second (catalogs loaded, search indexes built)
        last = [cpu_ticks(p) for p in pids]
        while True:
            time.sleep(1.0)
            now = [cpu_ticks(p) for p in pids]
            if now == last:
                break
            last = now
        idle = time.monotonic() - started - 1.0
        memory = [{**smaps(p), "tree_pss": tree_pss(p)} for p in pids]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    return {"first_healthz_s": first, "idle_s": idle, "workers": memory}


# -- report --------------------------------------------------------------------------------
def ratio(before: float, after: float) -> str:
    return f"{before / after:.1f}×" if after > 0 else "–"


def _mean(workers: list[dict], key: str) -> str:
    return f"{sum(w[key] for w in workers) / len(workers):,.0f}"


def report(
    sizes: list[dict], held_runs: dict[str, list[dict]], served: dict[str, dict], load: str, command: str
) -> str:
    lines = [
        "## Startup at 1M (issue 13)",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; command: `{command}`",
        f"- Machine load before the run (`uptime`): {load}; other work ran on this 2-core machine meanwhile",
        "- Ready = catalog loaded + scaled matrix of the default features + search index, timed in a fresh",
        "  Python process from its start (imports of core included, ~0.9 s). Before: the CSV parsed by every",
        "  process; cold: parsed once and the prepared copy written (`python -m app.prepare`, or the first",
        f"  worker under a file lock); warm: read from the prepared copy (median of {WARM_REPEATS}).",
        "",
        "| size | songs | before (s) | cold, writes the copy (s) | warm, reads it (s) | before / warm |"
        " warm: imports / catalog / scaled / index (s) | RSS before (MB) | RSS warm (MB) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in sizes:
        b, c, w = r["before"], r["cold"], r["warm"]
        parts = f"{w['imports_s']:.2f} / {w['load_s']:.2f} / {w['scaled_s']:.3f} / {w['index_s']:.3f}"
        lines.append(
            f"| {r['label']} | {r['songs']:,} | {b['ready_s']:.2f} | {c['ready_s']:.2f} | {w['ready_s']:.2f} | "
            f"{ratio(b['ready_s'], w['ready_s'])} | {parts} | {b['rss_mb']:,.0f} | {w['rss_mb']:,.0f} |"
        )
    lines.append("")
    for r in sizes:
        b = r["before"]
        lines.append(
            f"- {r['label']} before: imports {b['imports_s']:.2f} s, CSV parse {b['load_s']:.2f} s, "
            f"scaling {b['scaled_s']:.2f} s, search index {b['index_s']:.2f} s; "
            f"warm runs {', '.join(f'{x:.2f}' for x in r['warm_all'])} s."
        )
    if held_runs:
        lines += [
            "",
            f"Memory of {WORKERS} processes holding the 1M catalog at once (each loaded it, then read every",
            "array: the catalog's features, the scaled matrix, the search index; read while all are alive):",
            "",
            "| run | RSS per process (MB) | PSS per process (MB) | USS per process (MB) |"
            " file-backed resident (MB) | PSS total (MB) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, ws in held_runs.items():
            lines.append(
                f"| {name} | {_mean(ws, 'Rss')} | {_mean(ws, 'Pss')} | {_mean(ws, 'USS')} | {_mean(ws, 'File')} | "
                f"{sum(w['Pss'] for w in ws):,.0f} |"
            )
        lines += [
            "",
            "- Means over the processes (they differ by a few MB). File-backed resident pages are the mapped",
            "  prepared copy and the libraries: in the page cache once for every process of the host. What stays",
            "  private after: the text columns as Python strings (each process unpickles its own) and the",
            "  interpreter with its imports.",
        ]
    if served:
        lines += [
            "",
            f"gunicorn, {WORKERS} gthread workers, 1M songs, memory per worker once every worker is idle",
            "(catalog and search index loaded; mapped arrays are resident only once touched, by searches and fits):",
            "",
            "| run | first /healthz (s) | all workers idle (s) | RSS per worker (MB) | anonymous (MB) |"
            " file-backed (MB) | PSS of worker + its job launcher (MB) | RSS total (MB) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, run in served.items():
            ws = run["workers"]
            lines.append(
                f"| {name} | {run['first_healthz_s']:.1f} | {run['idle_s']:.1f} | {_mean(ws, 'Rss')} | "
                f"{_mean(ws, 'Anonymous')} | {_mean(ws, 'File')} | {_mean(ws, 'tree_pss')} | "
                f"{sum(w['Rss'] for w in ws):,.0f} |"
            )
        lines += [
            "",
            "- Means over the 4 workers. Before: the prepared folder made unwritable, so each worker parses the",
            "  CSV and builds its own index (the code before this change); after: `python -m app.prepare`'s copy",
            '  present. The workers start together on 2 cores, so "all workers idle" is when the last is ready.',
            "- Each worker forks a job launcher (Dash's DiskcacheManager) that shares its heap copy-on-write, so",
            "  a worker's own PSS/USS undercount it; the PSS of worker + launcher is its fair share.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--no-gunicorn", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = parser.parse_args(argv)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    results: list[dict] = []
    held_runs: dict[str, list[dict]] = {}
    served: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        work = Path(scratch)
        for label in args.sizes:
            csv = generate(label, work)
            results.append(measure_size(label, csv, work))
            if label == "1M":
                held_runs["before (CSV parsed by each)"] = held(csv, None, work / "models-held")
                held_runs["after (prepared copy mapped)"] = held(csv, work / "cache-1M", work / "models-held")
                log(f"held: {held_runs}")
            if label == "1M" and not args.no_gunicorn:
                served["before (parse per worker)"] = serve(csv, work / "serve-before", prepared=False)
                log(f"gunicorn before: {served['before (parse per worker)']['idle_s']:.1f} s")
                child(csv, work / "serve-after", work / "models-serve")  # app.prepare's part
                served["after (prepared copy)"] = serve(csv, work / "serve-after", prepared=True)
                log(f"gunicorn after: {served['after (prepared copy)']['idle_s']:.1f} s")
            csv.unlink()
    command = "python bench/startup_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(results, held_runs, served, load, command.strip())
    if args.json:
        args.json.write_text(json.dumps({"sizes": results, "held": held_runs, "served": served}, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
