"""`python -m soak [scenario …]`: run the scenarios (all by default), print the figures, and
exit non-zero if any figure misses its target."""

import os
import sys
import tempfile
import time
from pathlib import Path

from bench import run as bench_run
from soak import db_restart, load, report, smtp_down, worker_kill
from soak.cluster import Cluster

SCENARIOS = {
    "load": load.run,
    "smtp": smtp_down.run,
    "postgres": db_restart.run,
    "worker": worker_kill.run,
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="latchkey-soak-"))
    began = time.monotonic()
    cluster = Cluster()
    cluster.start()
    print(f"PostgreSQL 15 on 127.0.0.1:{cluster.port}; logs in {tmp}", flush=True)
    # Others may share the machine: the load average tells how far the figures can be trusted.
    load_before = os.getloadavg()[0]
    try:
        for name in names or SCENARIOS:
            print(f"== {name}", flush=True)
            started = time.monotonic()
            SCENARIOS[name](cluster, tmp)
            report.figure(name, "scenario wall time (s)", round(time.monotonic() - started, 1))
    finally:
        cluster.stop()
        # bench.run (whose helpers the soak borrows) makes a temporary folder when imported.
        if not any(bench_run.TMP.iterdir()):
            bench_run.TMP.rmdir()
    report.figure(
        "machine",
        "load average (1 min) before / after, on cores",
        f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()}",
    )
    table = report.table()
    wall = time.monotonic() - began
    print(f"\n{table}\n\nwall time: {wall:.0f} s")
    (tmp / "results.txt").write_text(f"{table}\n\nwall time: {wall:.0f} s\n")
    print(f"(also in {tmp / 'results.txt'})")
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
