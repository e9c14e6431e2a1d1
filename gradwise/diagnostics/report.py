"""``gradwise doctor RUN_DIR``: print a run's findings and write a self-contained report.html.

The report reads findings.json and diagnostics.json (written by the Diagnostics callback) and
metrics.csv (CSVLogger). Plots need matplotlib (``pip install 'gradwise[plots]'``) and are
inlined as PNG; without it the report is text and says how to get them.
"""
import base64
import csv
import html
import io
import json
from pathlib import Path

from ..errors import FileFormatError, MissingFileError
from ..serialization import atomic_write
from .findings import SEVERITIES

_STYLE = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:6px;vertical-align:top}
.critical{background:#fdd}.warning{background:#ffe9c6}.info{background:#eef}img{max-width:100%}"""


def load_run(run_dir):
    run = Path(run_dir)
    path = run / "findings.json"
    if not path.exists():
        raise MissingFileError(f"no findings.json in {run}: train with gradwise train, or gw.Trainer(run_dir=...), "
                                f"which writes it")
    findings = _read_json(path)
    series = _read_json(run / "diagnostics.json") if (run / "diagnostics.json").exists() else None
    metrics = list(csv.DictReader(open(run / "metrics.csv", newline=""))) if (run / "metrics.csv").exists() else []
    return findings, series, metrics


def _read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FileFormatError(path, f"not valid JSON ({e}); the run folder is damaged") from None


def text_summary(findings):
    order = sorted(findings, key=lambda f: -SEVERITIES.index(f["severity"]))
    if not order:
        return "No findings: training looked healthy."
    lines = []
    for f in order:
        where = f" in {f['layer']}" if f["layer"] else ""
        since = f"since {f.get('unit', 'step')} {f['step']}"
        lines.append(f"[{f['severity']}] {f['code']}{where} ({since})\n    {f['explanation']}\n"
                     f"    Fix: {f['fix']}")
    return "\n".join(lines)


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _plots(series, metrics):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    images = []
    if metrics:
        keys = [k for k in metrics[0] if k not in ("epoch", "seconds", "lr")]
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
        epochs = [int(r["epoch"]) for r in metrics]
        for k in keys:
            ax = axes[0] if "loss" in k else axes[1]
            ax.plot(epochs, [float(r[k]) for r in metrics], marker="o", label=k)
        for ax, title in zip(axes, ("loss", "metrics")):
            ax.set_title(title)
            ax.set_xlabel("epoch")
            if ax.lines:
                ax.legend(fontsize=8)
        images.append(("Loss and metrics per epoch", _png(fig)))
    if series and series.get("step"):
        steps = series["step"]
        order = series.get("order") or list(series["grad_rms"])
        types = series.get("types", {})
        for key, title, ylabel in (("grad_rms", "Gradient flow: gradient RMS per layer (input to output)", "RMS"),
                                   ("update_ratio", "Update / weight ratio per layer (healthy ~1e-3)", "ratio")):
            fig, ax = plt.subplots(figsize=(11, 3.5))
            for i, name in enumerate(order):
                values = series[key].get(name)
                if values:
                    ax.plot(steps[:len(values)], [v if v and v > 0 else float("nan") for v in values],
                            color=plt.cm.viridis(i / max(len(order) - 1, 1)), label=f"{name} {types.get(name, '')}")
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel(ylabel)
            ax.legend(fontsize=7, ncol=4)
            images.append((title, _png(fig)))
        if series.get("activations"):
            fig, ax = plt.subplots(figsize=(11, 3.5))
            for name, values in series["activations"].items():
                ax.plot(steps[:len(values)], values, label=f"{name} {series.get('types', {}).get(name, '')}")
            ax.set_ylim(0, 1)
            ax.set_xlabel("step")
            ax.set_ylabel("fraction of units")
            ax.legend(fontsize=7, ncol=4)
            images.append(("Dead (ReLU) or saturated (sigmoid/tanh) fraction of units per layer", _png(fig)))
    return images


def write_report(run_dir):
    """Write RUN_DIR/report.html and return (path, text summary, whether plots were drawn)."""
    findings, series, metrics = load_run(run_dir)
    rows = "".join(
        f"<tr class='{f['severity']}'><td>{f['severity']}</td><td>{html.escape(f['code'])}</td>"
        f"<td>{html.escape(f['layer'] or '-')}</td><td>{f['step']}</td><td>{html.escape(f['explanation'])}</td>"
        f"<td>{html.escape(f['fix'])}</td></tr>"
        for f in sorted(findings, key=lambda f: -SEVERITIES.index(f["severity"])))
    table = ("<table><tr><th>severity</th><th>finding</th><th>layer</th><th>since step</th><th>what happened</th>"
             f"<th>fix</th></tr>{rows}</table>") if findings else "<p>No findings: training looked healthy.</p>"
    try:
        images = _plots(series, metrics)
        plots = "".join(f"<h2>{html.escape(t)}</h2>{img}" for t, img in images)
        drew = True
    except ImportError:
        plots = ("<p><b>Plots need matplotlib:</b> <code>pip install 'gradwise[plots]'</code>, then run "
                 "<code>gradwise doctor</code> again.</p>")
        if metrics:
            head = list(metrics[0])
            plots += "<h2>Metrics per epoch</h2><table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + \
                "".join("<tr>" + "".join(f"<td>{r[h]}</td>" for h in head) + "</tr>" for r in metrics) + "</table>"
        drew = False
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>gradwise doctor: {html.escape(str(run_dir))}"
            f"</title><style>{_STYLE}</style></head><body><h1>gradwise doctor</h1><p>{html.escape(str(run_dir))}</p>"
            f"<h2>Findings</h2>{table}{plots}</body></html>")
    path = Path(run_dir) / "report.html"
    atomic_write(path, page.encode())
    return path, text_summary(findings), drew
