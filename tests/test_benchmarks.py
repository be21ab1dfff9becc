"""The benchmarks never rot: a quick run completes and reports every figure (timings are not asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_run_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())["results"]
    assert figures["rule: compiled rule vs hand-written function"]["ratio"] > 0
    assert figures["loading: read and check every shipped file"]["documents"] >= 19
    assert result.stdout.startswith("| benchmark |")
