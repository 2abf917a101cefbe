"""Benchmark: load, validate and render (no external checkers) a deployment of 16
controllers and 60 services. Target: under 1 s on the project's 2-core machine.

Prints numbers; asserts nothing (these machines are noisy).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import yaml_writer  # noqa: E402  (the deployment generator beside this file)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ngha-bench-") as tmp:
        root = Path(tmp)
        deployment, extra_catalog = yaml_writer.write_big_deployment(root, nodes=16, services=60)
        os.environ["NGHA_EXTRA_CATALOG"] = str(extra_catalog)
        from ngha.model.load import load_deployment
        from ngha.render.artifacts import render_all

        for profile in ("nextgen", "legacy"):
            timings = {"load+validate": [], "render": [], "total": []}
            for run in range(5):
                start = time.perf_counter()
                loaded = load_deployment(deployment, profile=profile)
                loaded_at = time.perf_counter()
                rendered = render_all(loaded, root / f"out-{profile}-{run}", with_svg=False)
                end = time.perf_counter()
                timings["load+validate"].append(loaded_at - start)
                timings["render"].append(end - loaded_at)
                timings["total"].append(end - start)
            summary = rendered.summary
            files = sum(1 for p in (root / f"out-{profile}-0").rglob("*") if p.is_file())
            print(f"render bench ({profile}): 16 controllers, "
                  f"{sum(summary['services_count'].values()) - 4} services + 4 core, "
                  f"{summary['resources']['total']} resources, "
                  f"{summary['constraints']['total']} constraints, {files} files")
            for name, values in timings.items():
                print(f"  {name:<14} median {statistics.median(values) * 1000:7.1f} ms   "
                      f"max {max(values) * 1000:7.1f} ms   (5 runs; first run includes imports)")
            print(f"  target: total under 1000 ms -> "
                  f"{'OK' if statistics.median(timings['total']) < 1.0 else 'OVER'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
