"""`gradwise run script.py`: an unmodified PyTorch script runs with torch mapped to gradwise."""
import subprocess
import sys
import textwrap

SCRIPT = '''
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR

torch.manual_seed(0)
x = torch.randn(64, 3)
y = (x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3).squeeze(1)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
sched = StepLR(opt, step_size=50, gamma=0.5)
for step in range(200):
    opt.zero_grad()
    loss = F.mse_loss(model(x).squeeze(1), y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    sched.step()
print("torch is", type(x).__module__.split(".")[0], "loss", round(loss.item(), 4), "args", sys.argv[1:], "size", x.size(0))
'''


def run(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "gradwise.cli", "run", "--no-doctor", str(script), *args],
                          capture_output=True, text=True, timeout=120)


def test_a_pytorch_script_runs_unmodified(tmp_path):
    out = run(tmp_path, SCRIPT, "--flag", "3")
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("torch is gradwise loss ") and "args ['--flag', '3'] size 64" in line
    assert float(line.split()[4]) < 0.05            # it trained


def test_a_missing_name_is_named_with_the_script_line(tmp_path):
    out = run(tmp_path, "import torch\nx = torch.zeros(2)\ny = torch.no_such_function(x)\n")
    assert out.returncode == 1
    assert "script.py, line 3: `y = torch.no_such_function(x)`" in out.stderr
    assert "torch.no_such_function" in out.stderr and "Traceback" not in out.stderr


def test_a_missing_module_is_named(tmp_path):
    out = run(tmp_path, "import torch.no_such_module\n")
    assert out.returncode == 1 and "module `torch.no_such_module`" in out.stderr and "Traceback" not in out.stderr


def test_a_header_length_that_looks_like_pickle_still_loads(tmp_path):
    """A safetensors header of 640 bytes starts the file with b"\\x80\\x02", pickle's magic: the
    pickle check must come after the parse fails, not before."""
    import gradwise as gw
    for pad in range(0, 1200):
        path = tmp_path / "f.safetensors"
        gw.save({"w": gw.ones(2)}, path, metadata={"pad": "x" * pad})
        if path.read_bytes()[:2] == b"\x80\x02":
            assert gw.load(path)["w"].tolist() == [1.0, 1.0]
            return
    raise AssertionError("no padding gave a 640-byte header")


def test_importing_torch_through_the_alias_leaves_gradwise_its_own_package(tmp_path):
    """The import system sets __spec__, __package__ and __loader__ on the module it creates for
    `import torch`; forwarded to gradwise they renamed its package "torch", and every later
    relative import inside gradwise (torch.set_num_threads's `from . import blas`) failed."""
    out = run(tmp_path, "import torch, gradwise\nimport torch.nn\ntorch.set_num_threads(1)\n"
                        "print(gradwise.__package__, gradwise.__spec__.name, torch.__package__, torch.get_num_threads())\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["gradwise", "gradwise", "torch", "1"]
