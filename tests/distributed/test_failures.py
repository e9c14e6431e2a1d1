"""A rank that fails never leaves the others waiting: an exception aborts every rank, and a rank
that hangs makes the others stop at the collective timeout, with an error that says so."""
import pytest

from .mpi import HERE, run


@pytest.mark.parametrize("mode,message", [
    ("raise", "rank 1 of 2 failed with ValueError: rank 1 ran into bad data at step 3"),
    ("hang", "on rank 0 waited 3 s for the other 1 rank(s), which never joined it"),
])
def test_a_failing_rank_stops_the_others_with_a_clear_error(mode, message):
    # run() raises subprocess.TimeoutExpired if the job hangs; the collective timeout is 3 s for the
    # hanging rank, and the default (30 minutes) where the abort must come from the failing rank
    env = {"GRADWISE_DIST_TIMEOUT": "3"} if mode == "hang" else {}
    proc = run([HERE / "death_script.py", mode], env=env, timeout=90, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
    assert "finished" not in proc.stdout
