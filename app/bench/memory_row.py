"""Row 7: the server's memory after many cases (VmHWM, the peak RSS, and VmRSS, from /proc).

A fresh server process runs whole cases through the services inside itself (POST /_bench/drive),
in batches; its memory is read after the first and after the second number of cases.
"""
from __future__ import annotations

import click

from .server import ServerProcess
from .stats import proc_status

BATCH = 50
FIRST_INDEX = 1_000_000  # case numbers of this row (even: granted, odd: refused)


def measure_memory(server: ServerProcess, checkpoints: tuple[int, ...]) -> dict:
    """`server`: a fresh server (spawned, maybe not ready yet); stopped at the end."""
    readings = {}
    with server:
        readings[0] = proc_status(server.pid)
        done = 0
        with click.progressbar(length=checkpoints[-1], label="memory row: cases in the server") as bar:
            for target in checkpoints:
                while done < target:
                    count = min(BATCH, target - done)
                    server.bench_call("POST", "/_bench/drive", {"start": FIRST_INDEX + done, "count": count})
                    done += count
                    bar.update(count)
                readings[target] = proc_status(server.pid)
        kind = server.kind
    return {"server": kind, "readings_kib": {str(k): v for k, v in readings.items()}}
