"""Benchmark: `ngha simulate --all-events` on the reference deployment, both profiles.
Target: under 60 s each on the project's 2-core machine. Prints numbers, asserts nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from ngha.simulate.run import analyse

REFERENCE = Path(__file__).resolve().parent.parent / "examples" / "reference-3ctl.yaml"


def main() -> None:
    for profile in ("nextgen", "legacy"):
        start = time.perf_counter()
        report = analyse(build_desired_state(load_deployment(REFERENCE, profile=profile)), [],
                         True)
        elapsed = time.perf_counter() - start
        events = len(report.transitions)
        worst = report.sorted()[0]
        print(f"simulate --all-events ({profile}): {events} events in {elapsed:.2f} s "
              f"({elapsed / events * 1000:.0f} ms per event, {os.cpu_count()} workers); "
              f"worst: {worst.event.name} with {len(worst.collateral)} collateral actions; "
              f"target under 60 s -> {'OK' if elapsed < 60 else 'OVER'}")


if __name__ == "__main__":
    main()
