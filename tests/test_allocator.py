"""gradwise.allocator: glibc keeps freed array memory for reuse, unless the user says otherwise."""
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                                reason="mallopt thresholds are glibc's")

PROBE = "import gradwise.allocator as a, gradwise; print(a._applied)"


def _applied(**env):
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                         env={**{k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}, **env})
    return out.stdout.strip()


def test_applied_on_import():
    assert _applied() == "True"


@pytest.mark.parametrize("env", [{"GRADWISE_MALLOC": "0"}, {"MALLOC_TRIM_THRESHOLD_": "1000000"},
                                 {"MALLOC_MMAP_THRESHOLD_": "1000000"}])
def test_user_settings_win(env):
    assert _applied(**env) == "False"
