"""The benchmark suite: python bench/suite.py [--rounds 5] [--torch-python PATH]

Runs gradwise.bench (also `gradwise bench`), writes bench/results/latest.json and latest.md
(the table the README shows) and appends the run to bench/results/history.jsonl, so results
from different machines can be compared over time.
"""
import sys
from pathlib import Path

from gradwise.bench import main

if __name__ == "__main__":
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    sys.exit(main(sys.argv[1:] + ["--json", str(out / "latest.json"), "--markdown", str(out / "latest.md"),
                                  "--history", str(out / "history.jsonl")]))
