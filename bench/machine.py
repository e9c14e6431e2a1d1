"""What the machine under the benchmarks offers right now (``gradwise.bench.state``): the
multiply-add rate of one and two threads, and the core-to-core round trip.

    python bench/machine.py [--rounds 3]
"""
import sys

from gradwise.bench.state import main

if __name__ == "__main__":
    sys.exit(main())
