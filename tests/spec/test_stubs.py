"""The generated node classes: up to date with the catalog, complete, and strict under mypy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from wfc import stubs

FIXTURES = Path(__file__).parent / "fixtures"

# mypy's line format: "path:line: error: message  [code]"
MYPY_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<message>.*)$")


def run_mypy(root: Path, tmp_path: Path, *files: Path) -> dict[tuple[str, int], list[str]]:
    """Run mypy from the project root; return {(file name, line): [error messages]}."""
    command = [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / "mypy-cache"),
               "--hide-error-context", *map(str, files)]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=240)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    errors: dict[tuple[str, int], list[str]] = {}
    for line in result.stdout.splitlines():
        match = MYPY_LINE.match(line)
        if match and match["kind"] == "error":
            errors.setdefault((Path(match["path"]).name, int(match["line"])), []).append(match["message"])
    return errors


def line_of(path: Path, marker: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not found in {path}")


def test_stubs_match_catalog(root, worker_catalog):
    committed = (root / "specs" / "nodes.py").read_text(encoding="utf-8")
    generated = stubs.generate(worker_catalog, source=stubs.describe_source(worker_catalog, root))

    assert generated == committed, "specs/nodes.py is stale: run `wfc catalog stubs`"


def test_stubs_generation_deterministic(worker_catalog):
    first = stubs.generate(worker_catalog, source="worker/catalog.json")
    second = stubs.generate(worker_catalog, source="worker/catalog.json")

    assert first == second


def test_one_class_per_node_class(worker_catalog):
    import specs.nodes as nodes
    from wfc.spec.node import Node

    classes = [value for value in vars(nodes).values() if isinstance(value, type) and issubclass(value, Node)
               and value is not Node]
    class_types = sorted(cls._class_type for cls in classes)

    assert class_types == sorted(worker_catalog.classes)
    assert nodes.CATALOG_DIGEST == worker_catalog.digest


def test_class_names_made_identifiers():
    import specs.nodes as nodes

    assert nodes.Epsilon_Scaling._class_type == "Epsilon Scaling"


def test_multi_output_attributes():
    import specs.nodes as nodes

    assert nodes.LoadImage._output_names == ("IMAGE", "MASK")
    assert nodes.GetImageSize._output_names == ("width", "height", "batch_size")


def test_docstring_lists_bounds():
    import specs.nodes as nodes

    doc = nodes.KSampler.__doc__ or ""

    assert "steps: INT, 1 to 10000, default 20" in doc
    assert "cfg: FLOAT, 0.0 to 100.0, step 0.1, default 8.0" in doc


def test_non_identifier_inputs_documented():
    import specs.nodes as nodes

    doc = nodes.ModelMergeAuraflow.__doc__ or ""

    assert "extra_inputs" in doc
    assert '"double_layers.0.": FLOAT' in doc


def test_stubs_check_reports_stale(tmp_path, worker_catalog, capsys):
    output = tmp_path / "nodes.py"
    output.write_text("# stale\n", encoding="utf-8")

    assert stubs.main(worker_catalog, output, check=True) == 1
    assert output.read_text(encoding="utf-8") == "# stale\n"
    assert "stale" in capsys.readouterr().err

    assert stubs.main(worker_catalog, output, check=False) == 0
    assert stubs.main(worker_catalog, output, check=True) == 0


def test_stubs_accept_catalog_path(tmp_path, root):
    output = tmp_path / "nodes.py"

    assert stubs.main(root / "worker" / "catalog.json", output, check=False) == 0
    assert output.read_text(encoding="utf-8").count("\nclass ") == 513


def test_mypy_rejects_three_mistakes(root, tmp_path):
    fixture = FIXTURES / "mistyped_spec.py"
    errors = run_mypy(root, tmp_path, fixture)

    vae_line = line_of(fixture, "# VAE into MODEL")
    misspelled_line = line_of(fixture, "# misspelled input")
    combo_line = line_of(fixture, "# COMBO value outside its options")

    vae_errors = " ".join(errors.get(("mistyped_spec.py", vae_line), []))
    assert 'Argument "model" to "KSampler" has incompatible type "VAELoader"' in vae_errors
    assert "Output[Literal['MODEL']]" in vae_errors
    assert any('Unexpected keyword argument "stepz"' in message
               for message in errors.get(("mistyped_spec.py", misspelled_line), []))
    combo_errors = " ".join(errors.get(("mistyped_spec.py", combo_line), []))
    assert 'Argument "sampler_name" to "KSampler" has incompatible type "Literal[\'eulr\']"' in combo_errors
    assert len(errors) == 3, errors


def test_mypy_checks_parameter_types(root, tmp_path):
    good = FIXTURES / "well_typed_spec.py"
    bad = FIXTURES / "mistyped_parameter_spec.py"
    errors = run_mypy(root, tmp_path, good, bad)

    assert not [key for key in errors if key[0] == good.name], errors
    assert any("Param[str]" in message for message in errors.get((bad.name, line_of(bad, "# a str parameter")), []))
    assert any("Param[float]" in message for message in errors.get((bad.name, line_of(bad, "# a float parameter")), []))


@pytest.mark.parametrize("spec", ["qwen_image_edit_2509.py", "plate_composite.py"])
def test_shipped_specs_type_check(root, tmp_path, spec):
    errors = run_mypy(root, tmp_path, root / "specs" / spec)

    assert errors == {}
