"""Record ComfyUI 0.3.64's folder listings for every scenario in ``data/comfyui_listings.json``.

Usage: ``python tests/models/make_comfyui_listings.py COMFYUI_DIR`` where COMFYUI_DIR is a
checkout of Comfy-Org/ComfyUI at commit a125cd84 (tag v0.3.64), for example from
``git archive a125cd84 folder_paths.py utils comfy/cli_args.py comfy/options.py``. ComfyUI's code
is imported from that folder in a subprocess per scenario; none of it is copied here. The script
rewrites the ``expected`` field of each scenario in place.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import DATA, build, load_scenarios  # noqa: E402

# Runs inside the subprocess, with the ComfyUI checkout first on sys.path. It only calls
# ComfyUI's public functions and prints what they return as JSON.
PROBE = r"""
import json, sys
comfyui, base, yaml_path = sys.argv[1:4]
sys.path.insert(0, comfyui)
import comfy.options
comfy.options.enable_args_parsing()
sys.argv = ["main.py", "--base-directory", base]
import folder_paths
import utils.extra_config
utils.extra_config.load_extra_path_config(yaml_path)
result = {}
for folder in sorted(folder_paths.folder_names_and_paths):
    names = folder_paths.get_filename_list(folder)
    result[folder] = {
        "paths": folder_paths.get_folder_paths(folder),
        "names": names,
        "full_paths": {name: folder_paths.get_full_path(folder, name) for name in names},
    }
print(json.dumps(result))
"""


def record(comfyui: Path, scenario: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="wfc-listing-") as name:
        tmp = Path(name)
        yaml_path, environment = build(scenario, tmp)
        completed = subprocess.run(
            [sys.executable, "-c", PROBE, str(comfyui), str(tmp / "comfyui"), str(yaml_path)],
            env={"PATH": "/usr/bin:/bin", **environment},
            capture_output=True, text=True, check=True, timeout=120,
        )
        text = completed.stdout.replace(str(tmp), "{tmp}")
        return json.loads(text)


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    comfyui = Path(sys.argv[1]).resolve()
    document = load_scenarios()
    for scenario in document["scenarios"]:
        scenario["expected"] = record(comfyui, scenario)
        print(f"{scenario['name']}: {len(scenario['expected'])} folders", file=sys.stderr)
    temporary = DATA.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(DATA)


if __name__ == "__main__":
    main()
