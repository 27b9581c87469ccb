"""wfc's folder listings against ComfyUI 0.3.64's own, recorded in data/comfyui_listings.json.

Each scenario is built again under a temporary folder. wfc parses the YAML, builds the search
paths and lists the real files. Every folder must give ComfyUI's paths, its names and the file
each name loads from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .scenarios import build, fill, load_scenarios
from wfc.models.files import DirectoryFiles
from wfc.models.paths import load_model_paths, search_paths
from wfc.models.resolve import Resolver

DOCUMENT = load_scenarios()
SCENARIOS = {scenario["name"]: scenario for scenario in DOCUMENT["scenarios"]}


def resolver_for(scenario: dict, tmp: Path) -> Resolver:
    yaml_path, environment = build(scenario, tmp)
    model_paths = load_model_paths(yaml_path, environ=environment)
    assert model_paths.errors == []
    folders = search_paths(model_paths, str(tmp / "comfyui"), output_folders=False)
    return Resolver(folders, DirectoryFiles(tmp, str(tmp)))


def test_data_records_its_origin():
    assert DOCUMENT["comfyui"] == {"version": "0.3.64", "commit": "a125cd84"}
    assert "make_comfyui_listings.py" in DOCUMENT["note"]
    assert all("expected" in scenario for scenario in DOCUMENT["scenarios"])


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_folders_match_comfyui(name, tmp_path):
    scenario = SCENARIOS[name]
    resolver = resolver_for(scenario, tmp_path)
    expected = {folder: value for folder, value in scenario["expected"].items()}

    assert sorted(resolver.folders) == sorted(expected)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_search_paths_match_comfyui(name, tmp_path):
    scenario = SCENARIOS[name]
    resolver = resolver_for(scenario, tmp_path)
    for folder, value in scenario["expected"].items():
        paths = [entry.path for entry in resolver.folders[folder].paths]
        assert paths == [fill(path, tmp_path) for path in value["paths"]], folder


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_listings_match_comfyui(name, tmp_path):
    scenario = SCENARIOS[name]
    resolver = resolver_for(scenario, tmp_path)
    for folder, value in scenario["expected"].items():
        assert resolver.listing(folder) == value["names"], folder


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_loaded_files_match_comfyui(name, tmp_path):
    scenario = SCENARIOS[name]
    resolver = resolver_for(scenario, tmp_path)
    for folder, value in scenario["expected"].items():
        for listed, full_path in value["full_paths"].items():
            location = resolver.locate(folder, listed)
            found = location.full_path if location is not None else None
            assert found == (fill(full_path, tmp_path) if full_path else None), (folder, listed)


def test_listings_cover_the_hard_cases():
    walk = SCENARIOS["extensions-and-walk"]["expected"]["checkpoints"]
    assert "UPPER.SAFETENSORS" in walk["names"]
    assert "linkdir/inside.safetensors" in walk["names"]
    assert "broken.safetensors" in walk["names"]
    assert walk["full_paths"]["broken.safetensors"] is None
    assert not any(".git" in name for name in walk["names"])
    assert "model.gguf" not in walk["names"]
