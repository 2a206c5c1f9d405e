"""Run the test suite several times in a row while busy processes keep the cores loaded.

    python tests/under_load.py                      # 5 runs of the whole suite, 2 busy processes
    python tests/under_load.py --runs 3 --load 2 -- tests/nightly    # pytest arguments after --
    make test-under-load RUNS=5 LOAD=2

The reliability criterion: the whole suite passes 5 times in a row on a fresh clone while both
cores are kept busy by another process. Each busy process is `python -c 'while True: ...'`,
started here and stopped here by its own pid when the runs end, fail, or are interrupted
(Ctrl-C, SIGTERM); a busy process also stops by itself if this script dies without cleaning up.
Each run is `python -m pytest -q -p no:randomly [args]`, its output kept in
test-artifacts/under-load/run-N.log; a line per run and a summary are printed. Exit status: 0
if every run passed, 1 if any failed, 2 if the load was lost during a run, 130/143 if stopped.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Busy, and gone within a fraction of a second once its parent (this script) is gone.
BUSY = ("import os\n"
        "parent = os.getppid()\n"
        "while os.getppid() == parent:\n"
        "    for _ in range(1_000_000):\n"
        "        pass\n")


class Stopped(Exception):
    pass


def _on_sigterm(signum, frame):
    raise Stopped()


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc; None where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def summary_line(log: Path) -> str:
    """pytest's last line: "N passed, M failed in 183.2s (0:03:03)"."""
    lines = [ln.strip("= \n") for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.search(r"\b(passed|failed|error|errors|no tests ran)\b", ln):
            return ln
    return lines[-1] if lines else "(no output)"


def failures(log: Path) -> list[str]:
    return [ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines()
            if ln.startswith(("FAILED ", "ERROR "))]


def stop(proc: subprocess.Popen, first=signal.SIGTERM, grace: float = 30) -> None:
    """Stop one process we started, by its pid: `first`, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, first)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "5")), help="runs of the suite (default 5)")
    ap.add_argument("--load", type=int, default=int(os.environ.get("LOAD", "2")),
                    help="busy processes kept running meanwhile (default 2: both cores of the reference machine)")
    ap.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"), help="interpreter running pytest")
    ap.add_argument("--logs", type=Path, default=ROOT / "test-artifacts" / "under-load")
    ap.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest (default: the whole suite)")
    args = ap.parse_args(argv)
    python = args.python if Path(args.python).exists() else sys.executable
    args.logs.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _on_sigterm)

    busy: list[subprocess.Popen] = []
    test: subprocess.Popen | None = None
    results: list[tuple[int, bool, float, str]] = []
    code = 0
    try:
        for _ in range(args.load):
            busy.append(subprocess.Popen([sys.executable, "-c", BUSY], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        print(f"load: {args.load} busy processes (pids {', '.join(str(p.pid) for p in busy) or 'none'}) "
              f"on {os.cpu_count()} cores; {args.runs} runs of: pytest -q -p no:randomly {' '.join(args.pytest_args)}",
              flush=True)
        for n in range(1, args.runs + 1):
            log = args.logs / f"run-{n}.log"
            cpu_before = [cpu_seconds(p.pid) for p in busy]
            started = time.monotonic()
            with open(log, "w", encoding="utf-8") as out:
                # SIGINT as by default even if this script was started with it ignored (in the
                # background of a script): pytest must be able to stop cleanly when told to
                test = subprocess.Popen([python, "-m", "pytest", "-q", "-p", "no:randomly", *args.pytest_args],
                                        cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
                rc = test.wait()
                test = None
            seconds = time.monotonic() - started
            lost = [p.pid for p in busy if p.poll() is not None]
            used = [(b - a) / seconds for a, b in zip(cpu_before, (cpu_seconds(p.pid) for p in busy))
                    if a is not None and b is not None]
            load = f"busy processes at {', '.join(f'{u:.0%}' for u in used)} of a core" if used else "load unknown"
            ok = rc == 0 and not lost
            results.append((n, ok, seconds, summary_line(log)))
            print(f"run {n}/{args.runs}: {'passed' if ok else 'FAILED'} (exit {rc}) in {seconds:.0f} s: "
                  f"{summary_line(log)}; {load}; log {log.relative_to(ROOT) if log.is_relative_to(ROOT) else log}",
                  flush=True)
            for line in failures(log):
                print(f"    {line}", flush=True)
            if lost:
                print(f"the load was lost during run {n}: busy process(es) {lost} ended", flush=True)
                code = 2
                break
    except (KeyboardInterrupt, Stopped) as exc:
        code = 130 if isinstance(exc, KeyboardInterrupt) else 143
        print(f"\nstopped ({'Ctrl-C' if code == 130 else 'SIGTERM'})", flush=True)
        if test is not None:
            # Let pytest tear its fixtures down (demo networks, servers) as after a Ctrl-C of its own:
            # a Ctrl-C at the terminal reached it too, so give it time before asking it again.
            if code == 130:
                try:
                    test.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
            stop(test, first=signal.SIGINT, grace=60)
    finally:
        for p in busy:
            stop(p, grace=10)
    passed = sum(ok for _, ok, _, _ in results)
    if not results:
        print(f"summary: no run completed of {args.runs}", flush=True)
    else:
        total = sum(s for _, _, s, _ in results)
        missing = args.runs - len(results)
        print(f"summary: {passed}/{len(results)} runs passed under a load of {args.load} busy processes "
              f"({total / 60:.1f} min in all){f'; {missing} not run' if missing else ''}", flush=True)
    if code:
        return code
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
