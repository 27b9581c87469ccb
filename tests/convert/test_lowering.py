"""Lowering rules on small hand-built editor documents: widgets, bypass, mute, reroutes, subgraphs, faults."""

from __future__ import annotations

from datetime import datetime

from tests.convert.uibuild import UIBuilder, catalog, checkpoint_to_save
from wfc.catalog import catalog_from_json
from wfc.convert import convert_ui
from wfc.diagnostics import Severity

CATALOG = catalog()


def codes_of(conversion) -> list[str]:
    return [diagnostic.code for diagnostic in conversion.diagnostics]


def test_widgets_skip_seed_control() -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert prompt["3"]["inputs"]["seed"] == 7
    assert prompt["3"]["inputs"]["steps"] == 30
    assert "control_after_generate" not in prompt["3"]["inputs"]
    assert prompt["3"]["inputs"]["model"] == ["1", 0]
    assert prompt["1"]["_meta"] == {"title": "Load Checkpoint"}


def test_upload_button_not_sent() -> None:
    builder = UIBuilder()
    builder.node(1, "LoadImage", outputs=["IMAGE", "MASK"], values=["photo.png", "image"])

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt["1"]["inputs"] == {"image": "photo.png"}
    assert conversion.diagnostics == []


def test_bypass_passes_matching_type() -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)
    builder.node(6, "LoraLoader", inputs=[("model", "MODEL"), ("clip", "CLIP")], outputs=["MODEL", "CLIP"],
                 values=["l.safetensors", 1, 1], mode=4)
    builder.links = [link for link in builder.links if link[0] != 2]
    builder.nodes[2]["inputs"][0]["link"] = None
    builder.link(7, 1, 0, 6, 0, "MODEL")
    builder.link(8, 6, 0, 3, 0, "MODEL")

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert "6" not in prompt
    assert prompt["3"]["inputs"]["model"] == ["1", 0]


def test_bypass_falls_back_to_exact_type() -> None:
    builder = UIBuilder()
    builder.node(1, "CheckpointLoaderSimple", outputs=["MODEL", "CLIP", "VAE"], values=["a.safetensors"])
    builder.node(2, "LoraLoader", inputs=[("model", "MODEL"), ("clip", "CLIP")], outputs=["MODEL", "CLIP"],
                 values=["l.safetensors", 1, 1], mode=4)
    builder.node(3, "CLIPTextEncode", inputs=[("clip", "CLIP")], outputs=["CONDITIONING"], values=["x"])
    builder.link(1, 1, 0, 2, 0, "MODEL")
    builder.link(2, 1, 1, 2, 1, "CLIP")
    # The consumer reads output 0 (MODEL) as CLIP: the same index does not fit, the CLIP input does.
    builder.link(3, 2, 0, 3, 0, "CLIP")

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert prompt["3"]["inputs"]["clip"] == ["1", 1]


def test_bypass_without_match_warns() -> None:
    builder = UIBuilder()
    builder.node(1, "LoadImage", outputs=["IMAGE", "MASK"], values=["a.png", "image"], mode=4)
    builder.node(2, "LoadImage", outputs=["IMAGE", "MASK"], values=["b.png", "image"])
    builder.node(3, "ImageBatch", inputs=[("image1", "IMAGE"), ("image2", "IMAGE")], outputs=["IMAGE"])
    builder.link(1, 2, 0, 3, 0, "IMAGE")
    builder.link(2, 1, 0, 3, 1, "IMAGE")

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt["3"]["inputs"] == {"image1": ["2", 0]}
    assert codes_of(conversion) == ["WFC606"]
    assert conversion.diagnostics[0].node == "3"
    assert conversion.diagnostics[0].input == "image2"


def test_muted_source_drops_input() -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)
    builder.nodes[3]["mode"] = 2  # the VAE decode is muted

    conversion = convert_ui(builder.document(), CATALOG)

    assert "4" not in conversion.prompt
    assert conversion.prompt["5"]["inputs"] == {"filename_prefix": "out"}
    assert "WFC607" in codes_of(conversion)
    assert conversion.diagnostics[codes_of(conversion).index("WFC607")].node == "5"


def test_reroute_chain_followed() -> None:
    builder = UIBuilder()
    builder.node(1, "CheckpointLoaderSimple", outputs=["MODEL", "CLIP", "VAE"], values=["a.safetensors"])
    builder.node(2, "Reroute", inputs=[("", "*")], outputs=["*"])
    builder.node(3, "Reroute", inputs=[("", "*")], outputs=["*"])
    builder.node(4, "CLIPTextEncode", inputs=[("clip", "CLIP")], outputs=["CONDITIONING"], values=["x"])
    builder.link(1, 1, 1, 2, 0, "CLIP")
    builder.link(2, 2, 0, 3, 0, "CLIP")
    builder.link(3, 3, 0, 4, 0, "CLIP")

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert set(prompt) == {"1", "4"}
    assert prompt["4"]["inputs"]["clip"] == ["1", 1]


def test_reroute_cycle_reported() -> None:
    builder = UIBuilder()
    builder.node(2, "Reroute", inputs=[("", "*")], outputs=["*"])
    builder.node(3, "Reroute", inputs=[("", "*")], outputs=["*"])
    builder.node(4, "CLIPTextEncode", inputs=[("clip", "CLIP")], outputs=["CONDITIONING"], values=["x"])
    builder.link(1, 2, 0, 3, 0, "*")
    builder.link(2, 3, 0, 2, 0, "*")
    builder.link(3, 3, 0, 4, 0, "CLIP")

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt["4"]["inputs"] == {"text": "x"}
    assert codes_of(conversion) == ["WFC605"]
    assert conversion.diagnostics[0].severity == Severity.ERROR


def test_primitive_feeds_converted_widget() -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)
    builder.nodes[2]["inputs"].append({"name": "seed", "type": "INT", "link": None})
    builder.node(9, "PrimitiveNode", outputs=["INT"], values=[123456, "fixed"])
    builder.link(9, 9, 0, 3, 3, "INT", widget="seed")

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert "9" not in prompt
    assert prompt["3"]["inputs"]["seed"] == 123456


def test_linked_widget_becomes_link() -> None:
    builder = UIBuilder()
    builder.node(1, "CheckpointLoaderSimple", outputs=["MODEL", "CLIP", "VAE"], values=["a.safetensors"])
    builder.node(2, "CLIPTextEncode", inputs=[("clip", "CLIP"), ("text", "STRING")], outputs=["CONDITIONING"],
                 values=["stale"])
    builder.node(3, "SaveImage", inputs=[("images", "IMAGE")], outputs=[], values=["x"])
    builder.nodes[2]["outputs"] = [{"name": "STRING", "type": "STRING", "links": []}]
    builder.link(1, 1, 1, 2, 0, "CLIP")
    builder.link(2, 3, 0, 2, 1, "STRING", widget="text")

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert prompt["2"]["inputs"]["text"] == ["3", 0]


def test_list_value_is_boxed() -> None:
    builder = UIBuilder()
    builder.node(1, "SigmasList", inputs=[("sigmas", "FLOATS")], outputs=["SIGMAS"], values=[[1.0, 0.5]])

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert prompt["1"]["inputs"] == {"values": {"__value__": [1.0, 0.5]}}


def test_dict_widget_values_by_name() -> None:
    builder = UIBuilder()
    builder.node(1, "KSampler", outputs=["LATENT"], values={"steps": 12, "seed": 5, "control_after_generate": "fixed"})

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert prompt["1"]["inputs"] == {"seed": 5, "steps": 12}


def test_shifted_values_are_error() -> None:
    builder = UIBuilder()
    builder.node(1, "KSampler", outputs=["LATENT"], values=[7, 30, "extra", "more"])

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC604"]
    assert conversion.diagnostics[0].severity == Severity.ERROR
    assert conversion.diagnostics[0].node == "1"
    assert conversion.diagnostics[0].title == "KSampler"


def test_short_values_are_warning() -> None:
    builder = UIBuilder()
    builder.node(1, "KSampler", outputs=["LATENT"], values=[7])

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt["1"]["inputs"] == {"seed": 7, "steps": 20}
    assert codes_of(conversion) == ["WFC604"]
    assert conversion.diagnostics[0].severity == Severity.WARNING


def test_unknown_class_is_error() -> None:
    builder = UIBuilder()
    builder.node(1, "MadeUpNode", outputs=["IMAGE"], title="내 노드")

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt == {}
    assert codes_of(conversion) == ["WFC602"]
    assert conversion.diagnostics[0].node == "1"
    assert conversion.diagnostics[0].title == "내 노드"
    assert conversion.diagnostics[0].severity == Severity.ERROR


def test_set_get_nodes_reported() -> None:
    builder = UIBuilder()
    builder.node(1, "SetNode", inputs=[("IMAGE", "IMAGE")], outputs=["*"], values=["img"])

    conversion = convert_ui(builder.document(), CATALOG)

    assert codes_of(conversion) == ["WFC603"]


def test_notes_dropped_silently() -> None:
    builder = UIBuilder()
    builder.node(1, "Note", values=["remember"])
    builder.node(2, "MarkdownNote", values=["# hi"])

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt == {}
    assert conversion.diagnostics == []


def test_missing_link_reported() -> None:
    builder = UIBuilder()
    builder.node(1, "CLIPTextEncode", inputs=[("clip", "CLIP")], outputs=["CONDITIONING"], values=["x"])
    builder.nodes[0]["inputs"][0]["link"] = 99

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt["1"]["inputs"] == {"text": "x"}
    assert codes_of(conversion) == ["WFC605"]
    assert "99" in conversion.diagnostics[0].message


def test_malformed_entries_never_raise() -> None:
    document = {"nodes": [None, 5, {"id": None}, {"id": 3}, {"id": 4, "type": "KSampler", "inputs": "x",
                                                            "outputs": [None], "widgets_values": "bad"}],
                "links": [[1, 2], {"id": "x"}, None, "link"], "definitions": {"subgraphs": [{}, 7]}}

    conversion = convert_ui(document, CATALOG)

    assert conversion.prompt["4"]["class_type"] == "KSampler"
    assert "WFC601" in codes_of(conversion)


def test_korean_title_kept() -> None:
    builder = UIBuilder()
    builder.node(1, "LoadImage", outputs=["IMAGE", "MASK"], values=["a.png", "image"], title="배경 이미지")

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt["1"]["_meta"]["title"] == "배경 이미지"
    assert conversion.origins["1"] == ("1", "배경 이미지")


def test_dynamic_prompt_first_option() -> None:
    builder = UIBuilder()
    builder.node(1, "CLIPTextEncode", inputs=[("clip", "CLIP")], outputs=["CONDITIONING"],
                 values=["a {red|blue} car /* note */ \\{kept\\} // trailing"])

    conversion = convert_ui(builder.document(), CATALOG)

    assert conversion.prompt["1"]["inputs"]["text"] == "a red car  {kept} "
    assert codes_of(conversion) == ["WFC608"]


def test_filename_prefix_replacements() -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)
    builder.nodes[4]["widgets_values"] = ["%KSampler.seed%/%date:yyyy-MM-dd%_%width%"]

    conversion = convert_ui(builder.document(), CATALOG, now=datetime(2025, 3, 4, 5, 6, 7))

    assert conversion.prompt["5"]["inputs"]["filename_prefix"] == "7/2025-03-04_%width%"
    assert conversion.diagnostics == []


def subgraph_document() -> dict:
    """An instance (10) of a subgraph holding a KSampler whose seed and model come from outside."""
    builder = UIBuilder()
    builder.node(1, "CheckpointLoaderSimple", outputs=["MODEL", "CLIP", "VAE"], values=["a.safetensors"])
    builder.node(10, "sub-1", inputs=[("model", "MODEL")], outputs=["LATENT"], values=[99])
    builder.node(11, "VAEDecode", inputs=[("samples", "LATENT"), ("vae", "VAE")], outputs=["IMAGE"])
    builder.link(1, 1, 0, 10, 0, "MODEL")
    builder.link(2, 10, 0, 11, 0, "LATENT")
    builder.link(3, 1, 2, 11, 1, "VAE")
    builder.subgraphs.append({
        "id": "sub-1", "name": "Sampler",
        "inputs": [{"name": "model", "type": "MODEL", "linkIds": [50]}, {"name": "seed", "type": "INT", "linkIds": [51]}],
        "outputs": [{"name": "LATENT", "type": "LATENT", "linkIds": [52]}],
        "nodes": [{"id": 5, "type": "KSampler", "mode": 0, "properties": {},
                   "inputs": [{"name": "model", "type": "MODEL", "link": 50},
                              {"name": "seed", "type": "INT", "link": 51, "widget": {"name": "seed"}}],
                   "outputs": [{"name": "LATENT", "type": "LATENT", "links": [52]}],
                   "widgets_values": [1, "fixed", 8]}],
        "links": [{"id": 50, "origin_id": -10, "origin_slot": 0, "target_id": 5, "target_slot": 0, "type": "MODEL"},
                  [51, -10, 1, 5, 1, "INT"],
                  {"id": 52, "origin_id": 5, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "LATENT"}],
    })
    return builder.document()


def test_subgraph_flattened_with_ids() -> None:
    prompt = convert_ui(subgraph_document(), CATALOG).prompt

    assert list(prompt) == ["1", "11", "10:5"]
    assert prompt["10:5"]["inputs"] == {"seed": 99, "steps": 8, "model": ["1", 0]}
    assert prompt["11"]["inputs"]["samples"] == ["10:5", 0]


def test_bypassed_subgraph_passes_through() -> None:
    document = subgraph_document()
    document["nodes"][1]["mode"] = 4
    document["definitions"]["subgraphs"][0]["nodes"][0]["mode"] = 4

    conversion = convert_ui(document, CATALOG)

    assert set(conversion.prompt) == {"1", "11"}
    assert codes_of(conversion) == ["WFC606"]


def test_self_containing_subgraph_reported() -> None:
    document = subgraph_document()
    inner = document["definitions"]["subgraphs"][0]["nodes"]
    inner.append({"id": 6, "type": "sub-1", "mode": 0, "inputs": [], "outputs": []})

    conversion = convert_ui(document, CATALOG)

    assert "10:5" in conversion.prompt
    assert "WFC601" in codes_of(conversion)


def test_empty_upload_takes_default() -> None:
    builder = UIBuilder()
    builder.node(1, "LoadImage", outputs=["IMAGE", "MASK"], values=["", "image"])

    prompt = convert_ui(builder.document(), CATALOG).prompt

    assert prompt["1"]["inputs"] == {"image": "example.png"}


def test_upload_outside_input_annotated() -> None:
    info = {"LoadImageOutput": {
        "input": {"required": {"image": [["a.png"], {"image_upload": True, "image_folder": "output"}]}},
        "output": ["IMAGE"], "output_name": ["IMAGE"], "display_name": "Load Image (from Outputs)",
    }}
    builder = UIBuilder()
    builder.node(1, "LoadImageOutput", outputs=["IMAGE"], values=["b.png", "image"])
    builder.node(2, "LoadImageOutput", outputs=["IMAGE"], values=["c.png [temp]", "image"])

    prompt = convert_ui(builder.document(), catalog_from_json(info)).prompt

    assert prompt["1"]["inputs"] == {"image": "b.png [output]"}
    assert prompt["2"]["inputs"] == {"image": "c.png [temp]"}
