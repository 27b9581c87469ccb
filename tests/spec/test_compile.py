"""The compiler: golden artifacts, determinism, stable node ids, findings on spec lines, writing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfc.compiler import compile_spec, emit, lint_spec
from wfc.spec.ids import assign_ids

SHIPPED = ["qwen_image_edit_2509", "plate_composite"]

SIMPLE_SPEC = """
from specs.nodes import LoadImage, SaveImage, ImageInvert
from wfc.spec import Workflow

with Workflow("simple") as wf:
    plate = LoadImage(image=wf.image("load_image"))
    inverted = ImageInvert(image=plate.IMAGE)
    wf.output("image", SaveImage(images=inverted, filename_prefix="inverted"))
"""


def codes(artifact):
    return [diagnostic.code for diagnostic in artifact.diagnostics]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_artifacts_are_current(root, worker_catalog, project_config, name):
    artifact = compile_spec(root / "specs" / f"{name}.py", worker_catalog, project_config)

    assert artifact.ok, [diagnostic.message for diagnostic in artifact.diagnostics]
    assert artifact.graph_bytes == (root / "workflows" / f"{name}.json").read_bytes()
    assert artifact.manifest_bytes == (root / "workflows" / f"{name}.manifest.json").read_bytes()


@pytest.mark.parametrize("name", SHIPPED)
def test_compile_twice_identical(root, worker_catalog, project_config, name):
    first = compile_spec(root / "specs" / f"{name}.py", worker_catalog, project_config)
    second = compile_spec(root / "specs" / f"{name}.py", worker_catalog, project_config)

    assert first.graph_bytes == second.graph_bytes
    assert first.manifest_bytes == second.manifest_bytes


def test_qwen_graph_shape(root):
    graph = json.loads((root / "workflows" / "qwen_image_edit_2509.json").read_text(encoding="utf-8"))
    classes = sorted(node["class_type"] for node in graph.values())

    assert classes == sorted([
        "CFGNorm", "CLIPLoader", "EmptySD3LatentImage", "KSampler", "LoadImage", "LoadImage",
        "ModelSamplingAuraFlow", "NunchakuQwenImageDiTLoader", "NunchakuQwenImageLoraLoader", "SaveImage",
        "TextEncodeQwenImageEditPlus", "TextEncodeQwenImageEditPlus", "VAEDecode", "VAELoader",
    ])
    assert graph["78"]["_meta"]["title"] == "이미지 로드"
    assert graph["8"]["_meta"]["title"] == "VAE 디코드"
    assert graph["117"]["inputs"]["cpu_offload"] == "disable"
    assert graph["111"]["inputs"]["image2"] == ["118", 0]
    assert graph["110"]["inputs"]["image1"] == ["78", 0]
    assert "이미지 로드" in (root / "workflows" / "qwen_image_edit_2509.json").read_text(encoding="utf-8")


def test_qwen_manifest_parameters(root):
    manifest = json.loads((root / "workflows" / "qwen_image_edit_2509.manifest.json").read_text(encoding="utf-8"))
    parameters = manifest["parameters"]

    assert set(parameters) == {
        "load_image", "background_load_image", "prompt", "negative_prompt", "seed", "steps", "cfg",
        "sampler_name", "scheduler", "denoise", "shift", "width", "height", "batch_size", "model_name",
        "lora_name", "lora_strength", "clip_name", "vae_name", "cpu_offload", "num_blocks_on_gpu", "use_pin_memory",
    }
    assert parameters["load_image"]["aliases"] == ["image_name"]
    assert parameters["steps"]["minimum"] == 1
    assert parameters["steps"]["maximum"] == 10000
    assert parameters["num_blocks_on_gpu"]["maximum"] == 60
    assert parameters["num_blocks_on_gpu"]["default"] == 40
    assert parameters["cpu_offload"]["bindings"] == [{"node": "115", "input": "cpu_offload"},
                                                     {"node": "117", "input": "cpu_offload"}]
    assert parameters["clip_name"]["folder"] == "text_encoders"
    assert parameters["clip_name"]["enum"] is None
    assert manifest["outputs"] == {"image": {"node": "60", "class_type": "SaveImage"}}
    assert {model["name"] for model in manifest["models"]} == {
        "svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors", "Qwen-Anime-V1.safetensors",
        "clip/qwen_2.5_vl_7b_fp8_scaled.1.safetensors", "qwen_image_vae.1.safetensors",
    }


def test_plate_composite_needs_no_models(root):
    manifest = json.loads((root / "workflows" / "plate_composite.manifest.json").read_text(encoding="utf-8"))

    assert manifest["models"] == []
    assert manifest["parameters"]["load_image"]["kind"] == "image"
    assert manifest["parameters"]["background_load_image"]["kind"] == "image"


def test_ids_stable_adding_unrelated_node(write_spec, worker_catalog, project_config):
    before = write_spec("before", SIMPLE_SPEC)
    after = write_spec("after", SIMPLE_SPEC.replace(
        '    wf.output("image"',
        '    ImageInvert(image=plate.IMAGE, title="an unrelated node")\n    wf.output("image"'))

    graph_before = json.loads(compile_spec(before, worker_catalog, project_config, lint=False).graph_bytes)
    graph_after = json.loads(compile_spec(after, worker_catalog, project_config, lint=False).graph_bytes)

    assert len(graph_after) == len(graph_before) + 1
    for node_id, node in graph_before.items():
        assert graph_after[node_id]["class_type"] == node["class_type"]
        assert graph_after[node_id]["inputs"] == node["inputs"]


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=12, unique=True),
       st.text(min_size=1, max_size=8))
def test_derived_ids_ignore_unrelated_keys(titles, extra):
    entries = [(None, title, "KSampler") for title in titles]
    before = assign_ids(entries)
    after = assign_ids(entries + [(None, extra, "KSampler")])

    assert len(set(after)) == len(after)
    if extra not in titles:
        changed = [title for title, old, new in zip(titles, before, after) if old != new]
        # Only a hash collision with the new key may move an id.
        assert len(changed) <= 1


def test_explicit_ids_kept(write_spec, worker_catalog, project_config):
    spec = write_spec("explicit", SIMPLE_SPEC.replace("LoadImage(image=", "LoadImage(id=78, image="))

    graph = json.loads(compile_spec(spec, worker_catalog, project_config, lint=False).graph_bytes)

    assert graph["78"]["class_type"] == "LoadImage"


def test_duplicate_explicit_id_reported(write_spec, worker_catalog, project_config):
    spec = write_spec("duplicate", SIMPLE_SPEC.replace("LoadImage(image=", "LoadImage(id=5, image=")
                      .replace("ImageInvert(image=", "ImageInvert(id=5, image="))

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)

    assert "WFC705" in codes(artifact)
    assert not artifact.ok


def test_duplicate_id_no_cascade(write_spec, worker_catalog, project_config):
    spec = write_spec("duplicate_linked", SIMPLE_SPEC.replace("LoadImage(image=", "LoadImage(id=7, image=")
                      .replace("ImageInvert(image=", "ImageInvert(id=7, image="))

    artifact = compile_spec(spec, worker_catalog, project_config)

    assert codes(artifact) == ["WFC705"]
    assert artifact.diagnostics[0].line == 6
    assert "LoadImage node on line 5" in artifact.diagnostics[0].message
    assert "ImageInvert node on line 6" in artifact.diagnostics[0].message
    assert not artifact.ok


def test_unknown_input_reported_once(write_spec, worker_catalog, project_config):
    spec = write_spec("unknown_once", SIMPLE_SPEC.replace("ImageInvert(image=plate.IMAGE)",
                                                          "ImageInvert(image=plate.IMAGE, imagez=1)"))

    artifact = compile_spec(spec, worker_catalog, project_config)
    about_imagez = [diagnostic.code for diagnostic in artifact.diagnostics if diagnostic.input == "imagez"]

    assert about_imagez == ["WFC703"]
    assert "did you mean 'image'?" in str(artifact.diagnostics[codes(artifact).index("WFC703")].hint)


@pytest.mark.parametrize("declaration, text", [
    ('    wf.param("seed", int, default=2)\n', "parameter 'seed' is declared twice"),
    ('    wf.param("noise", int, default=2, aliases=["seed"])\n',
     "alias 'seed' of parameter 'noise' is already the name of parameter 'seed'"),
])
def test_duplicate_parameter_names_first(write_spec, worker_catalog, project_config, declaration, text):
    source = SIMPLE_SPEC.replace('    plate = ', '    wf.param("seed", int, default=1)\n' + declaration + '    plate = ')
    spec = write_spec("duplicate_parameter", source)

    artifact = compile_spec(spec, worker_catalog, project_config)

    assert codes(artifact) == ["WFC711"]
    assert artifact.diagnostics[0].line == 6
    assert text in artifact.diagnostics[0].message
    assert f"first declared at {spec}:5" in artifact.diagnostics[0].message


def test_unknown_input_on_spec_line(write_spec, worker_catalog, project_config):
    spec = write_spec("unknown_input", SIMPLE_SPEC.replace("ImageInvert(image=plate.IMAGE)",
                                                           "ImageInvert(image=plate.IMAGE, imagez=1)"))

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)
    finding = next(diagnostic for diagnostic in artifact.diagnostics if diagnostic.code == "WFC703")

    assert finding.line == 6
    assert finding.input == "imagez"
    assert not artifact.ok


def test_unknown_class_suggests_name(write_spec, worker_catalog, project_config):
    spec = write_spec("unknown_class", SIMPLE_SPEC.replace(
        '    wf.output("image"', '    node("KSamplr", seed=1)\n    wf.output("image"').replace(
        "import Workflow", "import Workflow, node"))

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)
    finding = next(diagnostic for diagnostic in artifact.diagnostics if diagnostic.code == "WFC702")

    assert finding.line == 7
    assert "KSampler" in (finding.hint or "")


def test_spec_exception_reported_with_line(write_spec, worker_catalog, project_config):
    spec = write_spec("broken", SIMPLE_SPEC.replace('    wf.output("image"', '    1 / 0\n    wf.output("image"'))

    artifact = compile_spec(spec, worker_catalog, project_config)

    assert codes(artifact) == ["WFC701"]
    assert artifact.diagnostics[0].line == 7
    assert "ZeroDivisionError" in artifact.diagnostics[0].message
    assert artifact.graph_bytes is None


def test_spec_without_workflow_rejected(write_spec, worker_catalog, project_config):
    spec = write_spec("empty", "x = 1\n")

    artifact = compile_spec(spec, worker_catalog, project_config)

    assert codes(artifact) == ["WFC701"]
    assert "defines no workflow" in artifact.diagnostics[0].message


def test_node_outside_workflow_rejected(write_spec, worker_catalog, project_config):
    spec = write_spec("outside", SIMPLE_SPEC + "ImageInvert(image=plate.IMAGE)\n")

    artifact = compile_spec(spec, worker_catalog, project_config)

    assert codes(artifact) == ["WFC701"]
    assert artifact.diagnostics[0].line == 8
    assert "outside a workflow" in artifact.diagnostics[0].message


def test_multi_output_node_as_link_rejected(write_spec, worker_catalog, project_config):
    spec = write_spec("whole_node", SIMPLE_SPEC.replace("ImageInvert(image=plate.IMAGE)", "ImageInvert(image=plate)"))

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)
    finding = next(diagnostic for diagnostic in artifact.diagnostics if diagnostic.code == "WFC706")

    assert ".IMAGE, .MASK" in finding.message


def test_lint_errors_block_the_artifact(write_spec, worker_catalog, project_config, tmp_path):
    spec = write_spec("bad_combo", SIMPLE_SPEC.replace(
        "ImageInvert(image=plate.IMAGE)",
        'ImageScale(image=plate.IMAGE, upscale_method="bilinearr", crop="disabled")').replace(
        "ImageInvert\n", "ImageInvert, ImageScale\n"))

    artifact = compile_spec(spec, worker_catalog, project_config)
    result = emit(artifact, tmp_path / "out", check=False)

    assert not artifact.ok
    assert any(diagnostic.input == "upscale_method" and diagnostic.line == 6 for diagnostic in artifact.diagnostics)
    assert result.written == []
    assert not (tmp_path / "out").exists()


PARAMETER_CASES = [
    # (parameter declaration, expected code, text in the message)
    ('wf.param("steps", int, default=4, maximum=20000)', "WFC708", "above the catalog maximum"),
    ('wf.param("steps", int, default=0)', "WFC708", "below its minimum"),
    ('wf.param("steps", str, default="4")', "WFC708", "is INT"),
    ('wf.param("steps", int, default=4, enum=[4, 8])', None, None),
]


@pytest.mark.parametrize("declaration,code,text", PARAMETER_CASES)
def test_parameter_checked_against_catalog(write_spec, worker_catalog, project_config, declaration, code, text):
    spec = write_spec("parameters", f"""
        from specs.nodes import EmptyLatentImage, KSampler, CheckpointLoaderSimple, CLIPTextEncode, VAEDecode, SaveImage
        from wfc.spec import Workflow

        with Workflow("parameters") as wf:
            steps = {declaration}
            checkpoint = CheckpointLoaderSimple(ckpt_name="model.safetensors")
            text = CLIPTextEncode(clip=checkpoint.CLIP, text="")
            samples = KSampler(model=checkpoint.MODEL, positive=text, negative=text, latent_image=EmptyLatentImage(),
                               sampler_name="euler", scheduler="simple", steps=steps)
            wf.output("image", SaveImage(images=VAEDecode(samples=samples, vae=checkpoint.VAE)))
    """)

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)
    findings = [diagnostic for diagnostic in artifact.diagnostics if diagnostic.code.startswith("WFC70")]

    if code is None:
        assert findings == []
        manifest = json.loads(artifact.manifest_bytes)
        assert manifest["parameters"]["steps"]["enum"] == [4, 8]
        assert manifest["parameters"]["steps"]["minimum"] == 1
    else:
        assert [finding.code for finding in findings] == [code]
        assert text in findings[0].message
        assert findings[0].line == 5


def test_unbound_parameter_reported(write_spec, worker_catalog, project_config):
    spec = write_spec("unbound", SIMPLE_SPEC.replace('    plate =', '    wf.param("unused", int, default=1)\n    plate ='))

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)

    assert "WFC707" in codes(artifact)


def test_image_parameter_needs_upload_input(write_spec, worker_catalog, project_config):
    spec = write_spec("image_misuse", SIMPLE_SPEC.replace(
        'filename_prefix="inverted"', 'filename_prefix=wf.image("prefix")'))

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)
    finding = next(diagnostic for diagnostic in artifact.diagnostics if diagnostic.code == "WFC708")

    assert "not an upload input" in finding.message


def test_output_must_be_output_node(write_spec, worker_catalog, project_config):
    spec = write_spec("bad_output", SIMPLE_SPEC.replace('wf.output("image", SaveImage(images=inverted, filename_prefix="inverted"))',
                                                        'SaveImage(images=inverted)\n    wf.output("image", inverted)'))

    artifact = compile_spec(spec, worker_catalog, project_config, lint=False)

    assert "WFC709" in codes(artifact)


def test_catalog_defaults_filled(write_spec, worker_catalog, project_config):
    spec = write_spec("defaults", SIMPLE_SPEC)

    graph = json.loads(compile_spec(spec, worker_catalog, project_config, lint=False).graph_bytes)
    save = next(node for node in graph.values() if node["class_type"] == "SaveImage")

    assert save["inputs"]["filename_prefix"] == "inverted"
    assert save["_meta"]["title"] == "Save Image"


def test_lint_spec_returns_origins(root, worker_catalog, project_config):
    graph, origins = lint_spec(root / "specs" / "qwen_image_edit_2509.py", worker_catalog, project_config)

    assert set(origins) == set(graph)
    assert origins["78"][0] == "specs/qwen_image_edit_2509.py"
    source_lines = (root / "specs" / "qwen_image_edit_2509.py").read_text(encoding="utf-8").splitlines()
    assert "LoadImage(id=78" in source_lines[origins["78"][1] - 1]


def run_cli(root, *arguments):
    return subprocess.run([sys.executable, "-m", "wfc", *arguments], cwd=root, capture_output=True, text=True,
                          timeout=120)


def test_cli_second_run_writes_nothing(root, tmp_path):
    out = tmp_path / "workflows"
    first = run_cli(root, "compile", "-o", str(out))
    stamps = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    second = run_cli(root, "compile", "-o", str(out))

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "written" not in second.stdout
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == stamps
    assert sorted(stamps) == sorted([f"{name}{suffix}" for name in SHIPPED for suffix in (".json", ".manifest.json")])


def test_cli_check_names_stale_files(root, tmp_path):
    out = tmp_path / "workflows"
    run_cli(root, "compile", "-o", str(out))
    graph = out / "plate_composite.json"
    graph.write_bytes(graph.read_bytes() + b" ")
    (out / "qwen_image_edit_2509.manifest.json").unlink()
    before = graph.read_bytes()

    result = run_cli(root, "compile", "--check", "-o", str(out))

    assert result.returncode == 1
    assert "plate_composite.json: stale" in result.stderr
    assert "qwen_image_edit_2509.manifest.json: stale" in result.stderr
    assert graph.read_bytes() == before
    assert not (out / "qwen_image_edit_2509.manifest.json").exists()


def test_cli_stale_message_repeats_flags(root, tmp_path):
    catalog = tmp_path / "catalog copy.json"
    catalog.write_bytes((root / "worker" / "catalog.json").read_bytes())
    out = tmp_path / "workflows"

    result = run_cli(root, "compile", "--check", "--catalog", str(catalog), "-o", str(out), "specs/plate_composite.py")

    assert result.returncode == 1
    assert f"run `wfc compile --catalog '{catalog}' -o {out} specs/plate_composite.py`" in result.stderr


def test_cli_broken_spec_no_traceback(root, tmp_path, write_spec):
    spec = write_spec("broken_cli", SIMPLE_SPEC.replace('    wf.output("image"', '    raise KeyError("x")\n    wf.output("image"'))

    result = run_cli(root, "compile", str(spec), "-o", str(tmp_path / "out"))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "WFC701" in result.stderr
    assert "KeyError" in result.stderr


def test_cli_missing_spec_usage_error(root, tmp_path):
    result = run_cli(root, "compile", str(tmp_path / "nope.py"))

    assert result.returncode == 2
    assert "spec file not found" in result.stderr


def test_cli_json_format_parses(root, tmp_path):
    result = run_cli(root, "compile", "--format", "json", "-o", str(tmp_path / "out"))

    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert report["summary"]["errors"] == 0
    assert "written" in result.stderr


def test_lint_spec_build_failure_relative_origin(write_spec, worker_catalog, project_config):
    from wfc.spec.errors import SpecError

    spec = write_spec("broken_lint", SIMPLE_SPEC.replace('    wf.output("image"', '    1 / 0\n    wf.output("image"'))

    with pytest.raises(SpecError) as raised:
        lint_spec(spec, worker_catalog, project_config)

    assert raised.value.origin is not None
    assert raised.value.origin[1] == 7


# --- specs that exit or raise BaseException while they are built --------------------------------

EXITING_SPECS = [
    ("sys.exit(0)", "sys.exit(0)"),
    ("sys.exit(3)", "sys.exit(3)"),
    ("sys.exit()", "sys.exit()"),
    ("raise SystemExit('stop')", "sys.exit('stop')"),
    ("raise GeneratorExit('closed')", "GeneratorExit: closed"),
]


@pytest.mark.parametrize("statement,text", EXITING_SPECS)
def test_exiting_spec_is_build_failure(write_spec, worker_catalog, project_config, statement, text):
    spec = write_spec("exiting", f"import sys\n\n{statement}\n")

    artifact = compile_spec(spec, worker_catalog, project_config)

    assert codes(artifact) == ["WFC701"]
    assert artifact.diagnostics[0].line == 3
    assert text in artifact.diagnostics[0].message
    assert not artifact.built
    assert not artifact.ok


def test_custom_base_exception_is_build_failure(write_spec, worker_catalog, project_config):
    spec = write_spec("halting", "class Halt(BaseException):\n    pass\n\n\nraise Halt('no more')\n")

    artifact = compile_spec(spec, worker_catalog, project_config)

    assert codes(artifact) == ["WFC701"]
    assert artifact.diagnostics[0].line == 5
    assert "Halt: no more" in artifact.diagnostics[0].message


def test_spec_keyboard_interrupt_propagates(write_spec, worker_catalog, project_config):
    spec = write_spec("interrupted", "raise KeyboardInterrupt\n")

    with pytest.raises(KeyboardInterrupt):
        compile_spec(spec, worker_catalog, project_config)


def test_lint_spec_exit_raises_spec_error(write_spec, worker_catalog, project_config):
    from wfc.spec.errors import SpecError

    spec = write_spec("exiting_lint", "import sys\nsys.exit(0)\n")

    with pytest.raises(SpecError) as raised:
        lint_spec(spec, worker_catalog, project_config)

    assert raised.value.origin is not None
    assert raised.value.origin[1] == 2
    assert "sys.exit(0)" in raised.value.message


@pytest.mark.parametrize("check", [False, True])
def test_cli_exiting_spec_others_still_compile(root, tmp_path, write_spec, check):
    exiting = write_spec("aaa_exit", "import sys\nsys.exit(0)\n")
    out = tmp_path / "out"
    arguments = ["compile", str(exiting), "specs/plate_composite.py", "-o", str(out)]

    result = run_cli(root, *arguments, *(["--check"] if check else []))

    assert result.returncode == 1
    assert "WFC701" in result.stderr
    assert "sys.exit(0)" in result.stderr
    assert "Traceback" not in result.stderr
    if check:
        assert "plate_composite.json: stale" in result.stderr
        assert not out.exists()
    else:
        assert (out / "plate_composite.json").read_bytes() == (root / "workflows" / "plate_composite.json").read_bytes()


def test_cli_lint_exiting_spec_reports(root, write_spec):
    exiting = write_spec("aaa_exit_lint", "import sys\nsys.exit(0)\n")

    result = run_cli(root, "lint", str(exiting))

    assert result.returncode == 1
    assert "WFC701" in result.stdout + result.stderr
    assert "sys.exit(0)" in result.stdout + result.stderr


# --- spec paths --------------------------------------------------------------------------------


def test_cli_rejects_non_python_spec(root, tmp_path):
    source = tmp_path / "notjson.json"
    source.write_text("hello\n", encoding="utf-8")

    result = run_cli(root, "compile", str(source), "-o", str(tmp_path / "out"))

    assert result.returncode == 2
    assert str(source) in result.stderr
    assert "a spec is a Python module ending in .py" in result.stderr
    assert "NameError" not in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_missing_non_python_spec(root, tmp_path):
    result = run_cli(root, "compile", str(tmp_path / "absent.json"))

    assert result.returncode == 2
    assert f"{tmp_path / 'absent.json'}: spec file not found" in result.stderr


def test_compile_spec_rejects_non_python(tmp_path, worker_catalog, project_config):
    source = tmp_path / "graph.json"
    source.write_text('{"1": {"class_type": "SaveImage", "inputs": {}}}\n', encoding="utf-8")

    artifact = compile_spec(source, worker_catalog, project_config)

    assert codes(artifact) == ["WFC701"]
    assert "a spec is a Python module ending in .py" in artifact.diagnostics[0].message


# --- extra_inputs ------------------------------------------------------------------------------


TWO_PLATES_SPEC = """
from specs.nodes import ImageBlend, ImageInvert, LoadImage, SaveImage
from wfc.spec import Workflow

with Workflow("two_plates") as wf:
    plate = LoadImage(image=wf.image("load_image"))
    background = LoadImage(image=wf.image("background_load_image"))
    inverted = ImageInvert(image=plate.IMAGE, extra_inputs={"devicez": "cpu"})
    blended = ImageBlend(image1=background.IMAGE, image2=inverted, blend_factor=0.5, blend_mode="normal")
    wf.output("image", SaveImage(images=blended, filename_prefix="two_plates"))
"""


def test_extra_input_unknown_warns_only(write_spec, worker_catalog, project_config):
    spec = write_spec("extra_unknown", TWO_PLATES_SPEC)

    artifact = compile_spec(spec, worker_catalog, project_config)
    graph = json.loads(artifact.graph_bytes)
    inverted = next(entry for entry in graph.values() if entry["class_type"] == "ImageInvert")

    assert "WFC703" not in codes(artifact)
    assert codes(artifact) == ["WFC208"]
    assert artifact.diagnostics[0].line == 7
    assert artifact.ok
    assert inverted["inputs"]["devicez"] == "cpu"
