"""What a 2-process Dask LocalCluster costs to start: seconds and memory.

    python benchmarks/dask_start.py --runs 5

Per run, in a fresh interpreter: the time to import ``distributed``, the time to start
``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` and connect a ``Client``,
the RSS the import and the in-process scheduler add to this process, and the RSS of the
processes the cluster started (two nannies' workers; ``psutil``, which distributed needs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

ONE_RUN = r"""
import json, os, time, psutil
me = psutil.Process()
rss0 = me.memory_info().rss
t0 = time.perf_counter()
from distributed import Client, LocalCluster
t1 = time.perf_counter()
rss1 = me.memory_info().rss
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       dashboard_address=None, silence_logs=40)
client = Client(cluster)
client.wait_for_workers(2)
t2 = time.perf_counter()
kids = me.children(recursive=True)
rss_kids = sum(k.memory_info().rss for k in kids)
rss2 = me.memory_info().rss
client.close(); cluster.close()
print(json.dumps({"import_s": t1 - t0, "start_s": t2 - t1, "import_mb": (rss1 - rss0) / 2**20,
                  "scheduler_mb": (rss2 - rss1) / 2**20, "processes": len(kids),
                  "children_mb": rss_kids / 2**20}))
"""


def main() -> None:
    """Run ``--runs`` fresh interpreters and print the median of each figure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rows = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", ONE_RUN], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for key in rows[0]:
        values = [r[key] for r in rows]
        print(
            f"{key}: median {statistics.median(values):.2f} (min {min(values):.2f}, "
            f"max {max(values):.2f})"
        )


if __name__ == "__main__":
    main()
