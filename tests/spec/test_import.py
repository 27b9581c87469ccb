"""wfc import: import then compile gives back the same nodes, inputs and links."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfc.catalog import load_catalog
from wfc.compiler import compile_spec
from wfc.importer import dependency_order, import_workflow, snake_case


def structure(graph: dict) -> dict:
    """Nodes as {id: (class type, inputs as canonical JSON)}: what a round trip must keep."""
    return {
        str(node_id): (node["class_type"], json.dumps(node.get("inputs", {}), sort_keys=True, ensure_ascii=False))
        for node_id, node in graph.items()
    }


def titles(graph: dict) -> dict:
    return {node_id: node["_meta"]["title"] for node_id, node in graph.items()
            if isinstance(node.get("_meta"), dict) and "title" in node["_meta"]}


def round_trip(data, catalog, config, folder: Path, use_stubs: bool) -> dict:
    """Import ``data`` into a spec under ``folder``, compile it without lint, return the graph.

    The import reads the project's contract, so LoadImage nodes become image parameters on the way.
    """
    result = import_workflow(data, catalog, name="imported", use_stubs=use_stubs, source="test", config=config)
    spec = folder / "imported.py"
    spec.write_text(result.text, encoding="utf-8")
    artifact = compile_spec(spec, catalog, config, lint=False)
    assert artifact.graph_bytes is not None, [d.message for d in artifact.diagnostics] + [result.text]
    return json.loads(artifact.graph_bytes)


@pytest.fixture(scope="module")
def conformance_catalog(shared):
    return load_catalog(shared / "conformance" / "object_info.json")


def conformance_files(shared_dir: Path) -> list[Path]:
    return sorted((shared_dir / "conformance" / "api").glob("*.json"))


def test_conformance_round_trip(shared, conformance_catalog, project_config, tmp_path):
    checked = 0
    for path in conformance_files(shared):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not all(node["class_type"] in conformance_catalog for node in data.values()):
            continue
        folder = tmp_path / path.stem
        folder.mkdir()

        compiled = round_trip(data, conformance_catalog, project_config, folder, use_stubs=False)

        assert structure(compiled) == structure(data), path.name
        assert {key: value for key, value in titles(compiled).items() if key in titles(data)} == titles(data), path.name
        checked += 1
    # 28 of the 82 workflows use only classes of that catalog.
    assert checked == 28


def test_reference_round_trip_typed(shared, worker_catalog, project_config, tmp_path, root):
    data = json.loads((shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json").read_text(encoding="utf-8"))

    compiled = round_trip(data, worker_catalog, project_config, tmp_path, use_stubs=True)

    assert structure(compiled) == structure(data)
    assert titles(compiled) == titles(data)
    spec = (tmp_path / "imported.py").read_text(encoding="utf-8")
    assert "from specs.nodes import" in spec
    assert 'title="VAE 디코드"' in spec
    assert "pixels=load_image_78.IMAGE" in spec
    assert "fill_defaults=False" in spec  # node 117 lacks its required cpu_offload
    assert 'extra_inputs={"vae_device": "cpu"}' in spec


def test_reference_import_type_checks(shared, worker_catalog, project_config, tmp_path, root):
    data = json.loads((shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json").read_text(encoding="utf-8"))
    spec = tmp_path / "imported_reference.py"
    spec.write_text(import_workflow(data, worker_catalog, name="reference", config=project_config).text,
                    encoding="utf-8")

    result = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir",
                             str(tmp_path / "mypy-cache"), str(spec)], cwd=root, capture_output=True, text=True,
                            timeout=240)

    assert result.returncode == 0, result.stdout


def test_dependency_order_sources_first():
    graph = {
        "9": {"class_type": "B", "inputs": {"x": ["10", 0]}},
        "10": {"class_type": "A", "inputs": {}},
        "2": {"class_type": "C", "inputs": {"y": ["9", 0], "z": ["10", 1]}},
    }

    assert dependency_order(graph) == ["10", "9", "2"]


def test_dependency_order_cycle_last():
    graph = {
        "1": {"class_type": "A", "inputs": {"x": ["2", 0]}},
        "2": {"class_type": "B", "inputs": {"x": ["1", 0]}},
        "3": {"class_type": "C", "inputs": {}},
    }

    assert dependency_order(graph) == ["3", "1", "2"]


@pytest.mark.parametrize("text,expected", [
    ("KSampler", "k_sampler"), ("VAEDecode", "vae_decode"), ("Epsilon Scaling", "epsilon_scaling"), ("", "node"),
])
def test_snake_case(text, expected):
    assert snake_case(text) == expected


# --- generated graphs --------------------------------------------------------------------------

CLASS_POOL = ["KSampler", "LoadImage", "VAEDecode", "SaveImage", "CLIPTextEncode", "CheckpointLoaderSimple",
              "ImageScale", "GetImageSize", "ModelMergeAuraflow", "EmptyLatentImage", "Epsilon Scaling",
              "TextEncodeQwenImageEditPlus", "ImageBlend", "PrimitiveNode", "NunchakuQwenImageDiTLoader"]

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
LITERALS = st.one_of(st.integers(-2**63, 2**64), st.floats(allow_nan=False, allow_infinity=False), TEXT, st.booleans())
NODE_IDS = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["007", "12:3", "a", "ä", "-1"]))
ODD_NAMES = st.sampled_from(["id", "title", "extra_inputs", "class", "class_type", "a.b", "with space", "self", "ü"])


@st.composite
def graphs(draw, catalog):
    classes = [name for name in CLASS_POOL if name in catalog] + ["NotInTheCatalog"]
    ids = draw(st.lists(NODE_IDS, min_size=1, max_size=7, unique=True))
    graph: dict = {}
    for position, node_id in enumerate(ids):
        class_type = draw(st.sampled_from(classes))
        node_class = catalog.get(class_type)
        inputs = {}
        names = [spec.name for spec in node_class.visible_inputs] if node_class else []
        for name in draw(st.lists(st.sampled_from(names), unique=True)) if names else []:
            spec = node_class.input(name)
            if spec.is_widget and draw(st.booleans()):
                inputs[name] = draw(LITERALS)
            else:
                source = draw(st.sampled_from(ids))  # earlier, later or itself: cycles happen too
                inputs[name] = [source, draw(st.integers(0, 3))]
        for name in draw(st.lists(ODD_NAMES, max_size=2, unique=True)):
            inputs[name] = draw(st.one_of(LITERALS, st.none(), st.just([1, 2, 3]), st.just({"k": "v"}),
                                          st.just([draw(st.sampled_from(ids)), 0]), st.just(["99999999", 0])))
        entry = {"inputs": inputs, "class_type": class_type}
        if draw(st.booleans()):
            entry["_meta"] = {"title": draw(TEXT)}
        graph[node_id] = entry
    return graph


@pytest.mark.parametrize("use_stubs", [True, False])
def test_generated_graphs_round_trip(worker_catalog, project_config, use_stubs):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(graphs(worker_catalog))
    def check(graph):
        with tempfile.TemporaryDirectory() as folder:
            compiled = round_trip(graph, worker_catalog, project_config, Path(folder), use_stubs=use_stubs)
            spec = Path(folder) / "imported.py"
            first = compile_spec(spec, worker_catalog, project_config, lint=False)
            second = compile_spec(spec, worker_catalog, project_config, lint=False)

        assert structure(compiled) == structure(graph)
        assert first.graph_bytes == second.graph_bytes
        assert first.manifest_bytes == second.manifest_bytes
        assert {key: value for key, value in titles(compiled).items() if key in titles(graph)} == titles(graph)

    check()


def run_cli(root, *arguments):
    return subprocess.run([sys.executable, "-m", "wfc", *arguments], cwd=root, capture_output=True, text=True,
                          timeout=120)


def test_cli_import_then_compile(shared, root, tmp_path):
    spec = tmp_path / "reference_copy.py"

    imported = run_cli(root, "import", str(shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json"),
                       "-o", str(spec))
    again = run_cli(root, "import", str(shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json"),
                    "-o", str(spec))

    assert imported.returncode == 0, imported.stderr
    assert "generated node classes" in imported.stdout
    assert "input 'vae_device' is not in the catalog" in imported.stderr
    assert again.returncode == 2
    assert "--force" in again.stderr


def test_cli_import_other_catalog_generic(shared, root, tmp_path):
    path = next(path for path in conformance_files(shared) if path.name == "wf-001.json")
    spec = tmp_path / "generic.py"

    result = run_cli(root, "import", str(path), "-o", str(spec), "--catalog",
                     str(shared / "conformance" / "object_info.json"))

    assert result.returncode == 0, result.stderr
    assert "generic node() calls" in result.stdout
    assert "= node(" in spec.read_text(encoding="utf-8")


def test_cli_import_bad_json(root, tmp_path):
    source = tmp_path / "broken.json"
    source.write_text('{"1": {"class_type": "KSampler",', encoding="utf-8")

    result = run_cli(root, "import", str(source), "-o", str(tmp_path / "out.py"))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "truncated" in result.stderr
    assert not (tmp_path / "out.py").exists()


def test_cli_import_malformed_node(root, tmp_path):
    source = tmp_path / "malformed.json"
    source.write_text('{"1": {"inputs": {}}}', encoding="utf-8")

    result = run_cli(root, "import", str(source), "-o", str(tmp_path / "out.py"))

    assert result.returncode == 1
    assert "node '1' has no class_type" in result.stderr


def test_cli_import_ui_format(shared, root, tmp_path):
    source = sorted((shared / "uiconv" / "ui").glob("*.json"))[0]
    spec = tmp_path / "from_ui.py"

    result = run_cli(root, "import", str(source), "-o", str(spec))

    assert result.returncode == 0, result.stderr
    assert "with Workflow(" in spec.read_text(encoding="utf-8")


# --- the worker contract and unknown inputs ------------------------------------------------------


def test_import_binds_contract_images(root, worker_catalog, project_config, tmp_path):
    data = json.loads((root / "workflows" / "qwen_image_edit_2509.json").read_text(encoding="utf-8"))

    result = import_workflow(data, worker_catalog, name="rt", source="qwen_image_edit_2509.json", config=project_config)
    spec = tmp_path / "rt.py"
    spec.write_text(result.text, encoding="utf-8")
    artifact = compile_spec(spec, worker_catalog, project_config)
    manifest = json.loads(artifact.manifest_bytes)

    assert 'load_image = wf.image("load_image", placeholder="example.png")' in result.text
    assert 'background_load_image = wf.image("background_load_image", placeholder="example.png")' in result.text
    assert "image=load_image," in result.text
    assert "image=background_load_image," in result.text
    assert artifact.ok, [diagnostic.message for diagnostic in artifact.diagnostics]
    assert "WFC401" not in [diagnostic.code for diagnostic in artifact.diagnostics]
    assert manifest["parameters"]["load_image"]["kind"] == "image"
    assert manifest["parameters"]["load_image"]["bindings"] == [{"node": "78", "input": "image"}]
    assert manifest["parameters"]["background_load_image"]["bindings"] == [{"node": "118", "input": "image"}]
    assert structure(json.loads(artifact.graph_bytes)) == structure(data)


def test_import_without_config_keeps_literal(root, worker_catalog):
    data = json.loads((root / "workflows" / "qwen_image_edit_2509.json").read_text(encoding="utf-8"))

    result = import_workflow(data, worker_catalog, name="rt")

    assert "wf.image(" not in result.text
    assert 'image="example.png"' in result.text


def test_reference_import_contract_and_unknown_inputs(shared, worker_catalog, project_config, tmp_path):
    data = json.loads((shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json").read_text(encoding="utf-8"))

    result = import_workflow(data, worker_catalog, name="reference", config=project_config)
    spec = tmp_path / "reference.py"
    spec.write_text(result.text, encoding="utf-8")
    artifact = compile_spec(spec, worker_catalog, project_config)
    found = [diagnostic.code for diagnostic in artifact.diagnostics]
    unknown = [diagnostic for diagnostic in artifact.diagnostics if diagnostic.code == "WFC208"]

    assert 'load_image = wf.image("load_image", placeholder="ComfyUI_00189_.png")' in result.text
    assert any("'background_load_image': no LoadImage node matches it" in note for note in result.notes)
    # The unknown inputs of nodes 88, 110 and 111 are reported once each, as lint warnings.
    assert "WFC703" not in found
    assert sorted((diagnostic.node, diagnostic.input) for diagnostic in unknown) == [
        ("110", "vae_device"), ("111", "vae_device"), ("88", "device")]
    assert all(diagnostic.severity.name == "WARNING" for diagnostic in unknown)
    # The reference has one LoadImage, so the contract's background image stays missing.
    assert found.count("WFC401") == 1
    assert structure(json.loads(artifact.graph_bytes)) == structure(data)


def test_generic_import_unknown_input_extra(worker_catalog, project_config, tmp_path):
    data = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "a.png"}},
        "2": {"class_type": "LoadImage", "inputs": {"image": "b.png"}},
        "3": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0], "devicez": "cpu"}},
        "4": {"class_type": "ImageBlend", "inputs": {"image1": ["2", 0], "image2": ["3", 0], "blend_factor": 0.5,
                                                     "blend_mode": "normal"}},
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "x"}},
    }

    result = import_workflow(data, worker_catalog, name="generic", use_stubs=False, config=project_config)
    spec = tmp_path / "generic.py"
    spec.write_text(result.text, encoding="utf-8")
    artifact = compile_spec(spec, worker_catalog, project_config)

    assert 'extra_inputs={"devicez": "cpu"}' in result.text
    assert [diagnostic.code for diagnostic in artifact.diagnostics] == ["WFC208"]
    assert artifact.ok
    assert structure(json.loads(artifact.graph_bytes)) == structure(data)


def test_cli_import_shipped_then_compile(root, tmp_path):
    spec = tmp_path / "rt.py"

    imported = run_cli(root, "import", "workflows/qwen_image_edit_2509.json", "-o", str(spec))
    compiled = run_cli(root, "compile", str(spec), "-o", str(tmp_path / "out"))

    assert imported.returncode == 0, imported.stderr
    assert compiled.returncode == 0, compiled.stderr
    assert "WFC401" not in compiled.stderr
    assert (tmp_path / "out" / "rt.manifest.json").is_file()
