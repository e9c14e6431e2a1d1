"""The benchmark suite (issue 7): python bench/suite.py [--rounds 7]

Runs gradwise.bench (also `gradwise bench`) and writes bench/results/latest.json and
bench/results/latest.md, the table the README shows.
"""
import sys
from pathlib import Path

from gradwise.bench import main

if __name__ == "__main__":
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    sys.exit(main(sys.argv[1:] + ["--json", str(out / "latest.json"), "--markdown", str(out / "latest.md")]))
