"""Malformed editor files: each fault gets exactly one diagnostic that names the node, and no link is lost silently."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.convert.uibuild import UIBuilder, catalog
from wfc.catalog import Catalog
from wfc.cli import main
from wfc.convert import convert_ui
from wfc.diagnostics import Severity

CATALOG = catalog()


def codes_of(conversion) -> list[str]:
    return [diagnostic.code for diagnostic in conversion.diagnostics]


@pytest.fixture(scope="module")
def hidream(shared: Path) -> dict[str, Any]:
    """The HiDream E1.1 editing template of the uiconv set, which the faults below are made in."""
    return json.loads((shared / "uiconv" / "ui" / "hidream_e1_1.json").read_text(encoding="utf-8"))


def node_of(document: dict[str, Any], node_id: int) -> dict[str, Any]:
    return next(node for node in document["nodes"] if node["id"] == node_id)


def test_hidream_copy_converts_clean(hidream: dict[str, Any], blackwell_catalog: Catalog) -> None:
    conversion = convert_ui(hidream, blackwell_catalog)

    assert codes_of(conversion) == []
    assert conversion.prompt["49"]["inputs"]["model"] == ["55", 0]


def test_inputs_object_reported(hidream: dict[str, Any], blackwell_catalog: Catalog) -> None:
    document = copy.deepcopy(hidream)
    scheduler = node_of(document, 49)
    scheduler["inputs"] = {"model": scheduler["inputs"][0]}

    conversion = convert_ui(document, blackwell_catalog)

    assert codes_of(conversion) == ["WFC601"]
    diagnostic = conversion.diagnostics[0]
    assert diagnostic.severity == Severity.ERROR
    assert diagnostic.node == "49"
    assert diagnostic.title == "BasicScheduler"
    assert diagnostic.class_type == "BasicScheduler"
    assert diagnostic.pointer == f"/nodes/{document['nodes'].index(scheduler)}/inputs"
    assert "429" in diagnostic.message
    assert "model" not in conversion.prompt["49"]["inputs"]


def test_inputs_object_exits_one(hidream: dict[str, Any], tmp_path: Path, shared: Path) -> None:
    document = copy.deepcopy(hidream)
    scheduler = node_of(document, 49)
    scheduler["inputs"] = {"model": scheduler["inputs"][0]}
    workflow = tmp_path / "workflow.json"
    workflow.write_text(json.dumps(document), encoding="utf-8")
    catalog_path = shared / "catalog" / "comfyui-0.3.64-blackwell.object_info.json"

    result = CliRunner().invoke(main, ["convert", str(workflow), "--catalog", str(catalog_path)])

    assert result.exit_code == 1
    assert "WFC601" in result.output
    assert "BasicScheduler" in result.output


@pytest.mark.parametrize("links", [[], None])
def test_primitive_feeding_nothing(hidream: dict[str, Any], blackwell_catalog: Catalog, links: Any) -> None:
    document = copy.deepcopy(hidream)
    node_of(document, 56)["outputs"][0]["links"] = links
    guider = node_of(document, 53)
    guider["inputs"][4]["link"] = None
    document["links"] = [link for link in document["links"] if link[0] != 454]

    conversion = convert_ui(document, blackwell_catalog)

    assert codes_of(conversion) == ["WFC611"]
    diagnostic = conversion.diagnostics[0]
    assert diagnostic.severity == Severity.WARNING
    assert diagnostic.node == "56"
    assert diagnostic.title == "CFG"
    assert "3" in diagnostic.message


def test_primitive_with_dangling_link(hidream: dict[str, Any], blackwell_catalog: Catalog) -> None:
    document = copy.deepcopy(hidream)
    node_of(document, 57)["outputs"][0]["links"] = [999]

    conversion = convert_ui(document, blackwell_catalog)

    assert codes_of(conversion) == ["WFC611"]
    assert conversion.diagnostics[0].node == "57"


@pytest.mark.parametrize("values", [None, []], ids=["null", "empty"])
def test_widget_values_null_like_empty(hidream: dict[str, Any], blackwell_catalog: Catalog, values: Any) -> None:
    document = copy.deepcopy(hidream)
    node_of(document, 49)["widgets_values"] = values

    conversion = convert_ui(document, blackwell_catalog)

    assert codes_of(conversion) == ["WFC604"]
    assert conversion.diagnostics[0].node == "49"
    assert conversion.diagnostics[0].severity == Severity.WARNING
    assert conversion.prompt["49"]["inputs"]["steps"] == 20


def test_widget_values_absent_like_empty(hidream: dict[str, Any], blackwell_catalog: Catalog) -> None:
    document = copy.deepcopy(hidream)
    del node_of(document, 49)["widgets_values"]

    conversion = convert_ui(document, blackwell_catalog)

    assert codes_of(conversion) == ["WFC604"]
    assert "missing or null" in conversion.diagnostics[0].message


def test_reroute_self_loop_once(hidream: dict[str, Any], blackwell_catalog: Catalog) -> None:
    document = copy.deepcopy(hidream)
    link = next(link for link in document["links"] if link[0] == 448)
    link[1] = 48

    conversion = convert_ui(document, blackwell_catalog)

    assert codes_of(conversion) == ["WFC605"]
    assert conversion.diagnostics[0].node == "48"
    assert "model" not in conversion.prompt["49"]["inputs"]
    assert "model" not in conversion.prompt["53"]["inputs"]


def test_reroute_loop_once_per_fault() -> None:
    builder = UIBuilder()
    builder.node(2, "Reroute", inputs=[("", "*")], outputs=["*"])
    builder.node(3, "Reroute", inputs=[("", "*")], outputs=["*"])
    builder.node(4, "ImageBatch", inputs=[("image1", "IMAGE"), ("image2", "IMAGE")], outputs=["IMAGE"])
    builder.link(1, 2, 0, 3, 0, "*")
    builder.link(2, 3, 0, 2, 0, "*")
    builder.link(3, 3, 0, 4, 0, "IMAGE")
    builder.link(4, 3, 0, 4, 1, "IMAGE")

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC605"]
    assert conversion.prompt["4"]["inputs"] == {}


def two_node_document() -> UIBuilder:
    """A checkpoint (1) whose CLIP feeds a prompt (2)."""
    builder = UIBuilder()
    builder.node(1, "CheckpointLoaderSimple", outputs=["MODEL", "CLIP", "VAE"], values=["a.safetensors"])
    builder.node(2, "CLIPTextEncode", inputs=[("clip", "CLIP")], outputs=["CONDITIONING"], values=["x"],
                 title="positive")
    builder.link(1, 1, 1, 2, 0, "CLIP")
    return builder


@pytest.mark.parametrize("entry", [{"id": 1, "origin_id": 1}, [1, 1, 1, 2], [1, None, 1, 2, 0, "CLIP"]],
                         ids=["object-missing-keys", "four-items", "null-origin"])
def test_malformed_link_reported_once(entry: Any) -> None:
    builder = two_node_document()
    builder.links[0] = entry

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].severity == Severity.ERROR
    assert conversion.diagnostics[0].pointer == "/links/0"
    assert conversion.prompt["2"]["inputs"] == {"text": "x"}


@pytest.mark.parametrize("entry", [[1, 1, 1, 2, 0], [1, 1, 1, 2, 0, "CLIP", 7]], ids=["five-items", "seven-items"])
def test_link_wrong_arity_still_read(entry: list[Any]) -> None:
    builder = two_node_document()
    builder.links[0] = entry

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].severity == Severity.WARNING
    assert conversion.prompt["2"]["inputs"]["clip"] == ["1", 1]


def test_link_object_encoding_clean() -> None:
    builder = two_node_document()
    builder.links[0] = {"id": 1, "origin_id": 1, "origin_slot": 1, "target_id": 2, "target_slot": 0, "type": "CLIP"}

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == []
    assert conversion.prompt["2"]["inputs"]["clip"] == ["1", 1]


def test_outputs_object_reported() -> None:
    builder = two_node_document()
    builder.nodes[0]["outputs"] = {"CLIP": builder.nodes[0]["outputs"][1]}

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].node == "1"
    assert conversion.diagnostics[0].title == "Load Checkpoint"
    assert conversion.diagnostics[0].pointer == "/nodes/0/outputs"


def test_input_entry_not_object() -> None:
    builder = two_node_document()
    builder.nodes[1]["inputs"].append("clip")

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].node == "2"
    assert conversion.diagnostics[0].pointer == "/nodes/1/inputs/1"


@pytest.mark.parametrize(("raw_id", "key"), [("2", "2"), (2.0, "2"), (2.5, "2.5")], ids=["string", "float", "fraction"])
def test_node_id_not_integer(raw_id: Any, key: str) -> None:
    builder = two_node_document()
    builder.nodes[1]["id"] = raw_id
    builder.links[0][3] = raw_id

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].severity == Severity.WARNING
    assert conversion.diagnostics[0].node == key
    assert conversion.diagnostics[0].title == "positive"
    assert conversion.prompt[key]["inputs"]["clip"] == ["1", 1]


@pytest.mark.parametrize(("raw_mode", "sent"), [("4", False), (None, True), ("on", True)])
def test_mode_not_integer(raw_mode: Any, sent: bool) -> None:
    builder = two_node_document()
    builder.nodes[1]["mode"] = raw_mode

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].severity == Severity.ERROR
    assert conversion.diagnostics[0].pointer == "/nodes/1/mode"
    assert ("2" in conversion.prompt) is sent


def test_type_missing_reported_once() -> None:
    builder = two_node_document()
    del builder.nodes[0]["type"]

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].node == "1"
    assert conversion.diagnostics[0].pointer == "/nodes/0/type"
    assert conversion.prompt["2"]["inputs"] == {"text": "x"}


def test_widget_values_string_once() -> None:
    builder = two_node_document()
    builder.nodes[1]["widgets_values"] = "x"

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].pointer == "/nodes/1/widgets_values"
    assert conversion.prompt["2"]["inputs"]["text"] == ""


def test_primitive_outputs_object_once() -> None:
    builder = two_node_document()
    builder.node(3, "PrimitiveNode", outputs=["STRING"], values=["y"])
    builder.nodes[2]["outputs"] = {"STRING": builder.nodes[2]["outputs"][0]}

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC601"]
    assert conversion.diagnostics[0].node == "3"
