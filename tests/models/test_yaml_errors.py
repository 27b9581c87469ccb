"""Every error ``yaml.safe_load`` raises on extra_model_paths.yaml becomes a WFC520 with its line.

ComfyUI 0.3.64 reads the file with ``yaml.safe_load`` and stops at start on any exception, so
wfc reports each one as an error naming the line, on both the fast path and the PyYAML path,
and never lets an exception through. Alias structures that safe_load would expand without
bound are refused after a fixed number of nodes.
"""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from wfc.cli.models import models
from wfc.models.paths import parse_model_paths
from wfc.models.yaml_nodes import compose_simple
from wfc.models.yaml_safe import MAX_EXPANDED_NODES


def errors_of(text):
    return [problem for problem in parse_model_paths(text, location="/opt/ComfyUI", environ={}).problems
            if problem.severity == "error"]


def nested_bomb(levels, width=9):
    """Return a text whose last list expands to width**levels scalars through aliases."""
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels):
    """Return a text whose merge keys copy each level's mapping three times into the next."""
    lines = ["m0: &m0 {vae: v, loras: l}"]
    for level in range(1, levels + 1):
        lines.append(f"m{level}: &m{level} {{<<: [*m{level - 1}, *m{level - 1}, *m{level - 1}]}}")
    return "\n".join(lines) + "\n"


def mapping_bomb(levels):
    lines = ["a0: &a0 {x: v, y: v}"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} {{x: *a{level - 1}, y: *a{level - 1}, z: *a{level - 1}}}")
    return "\n".join(lines) + "\n"


CONSTRUCTOR_ERRORS = [
    ("s:\n  base_path: /v\n  loras: !!python/object/apply:os.system ['echo x']\n", 3, "constructor for the tag"),
    ("s:\n  loras: !!python/name:os.system\n", 2, "constructor for the tag"),
    ("s:\n  loras: !custom value\n", 2, "constructor for the tag '!custom'"),
    ("s: !custom\n  loras: l\n", 1, "constructor for the tag '!custom'"),
    ("s:\n  loras: [a, !custom b]\n", 2, "constructor for the tag '!custom'"),
    ("s:\n  vae: !!int twelve\n", 2, "is not a valid value for the tag 'tag:yaml.org,2002:int'"),
    ("s:\n  vae: !!float x\n", 2, "tag:yaml.org,2002:float"),
    ("s:\n  vae: !!bool maybe\n", 2, "tag:yaml.org,2002:bool"),
    ("s:\n  vae: !!timestamp yesterday\n", 2, "tag:yaml.org,2002:timestamp"),
    ("s:\n  vae: !!str [a]\n", 2, "expected a scalar node"),
    ("s: !!omap {a: b}\n", 1, "expected a sequence"),
    ("s:\n  loras: =\n", 2, "constructor for the tag 'tag:yaml.org,2002:value'"),
    ("s:\n  ? [a, b]\n  : v\n", 2, "unhashable key"),
    ("s:\n  ? {a: b}\n  : v\n", 2, "unhashable key"),
    ("s:\n  <<: 5\n", 2, "merge key ('<<') needs a mapping"),
    ("s:\n  <<: [5]\n", 2, "merge key ('<<') needs a mapping"),
]

SYNTAX_ERRORS = [
    ("s:\n  loras: \"unterminated\n", None, "while scanning a quoted scalar"),  # ScannerError
    ("s:\n  vae: @v\n", 2, "cannot start any token"),  # ScannerError
    ("s:\n  - a\n  b: c\n", 3, "expected <block end>"),  # ParserError
    ("s: [a, b\n", None, "while parsing a flow sequence"),  # ParserError
    ("s:\n  loras: *missing\n", 2, "found undefined alias 'missing'"),  # ComposerError
    ("s:\n  a: b\n---\nt:\n  c: d\n", 3, "expected a single document"),  # ComposerError
    ("s:\n  a: &x v\n  b: &x w\n", 3, "found duplicate anchor 'x'; first occurrence (line 2)"),  # ComposerError
    ("s:\n  vae: v\x01\n", 2, "special characters are not allowed"),  # ReaderError
]


@pytest.mark.parametrize("text, line, words", CONSTRUCTOR_ERRORS + SYNTAX_ERRORS)
def test_yaml_error_reported_with_line(text, line, words):
    found = errors_of(text)
    assert len(found) == 1, found
    assert words in found[0].message
    assert "ComfyUI fails to start on this file" in found[0].message
    if line is not None:
        assert found[0].line == line
    assert compose_simple(text) is None


def test_unsafe_tag_hint_names_safe_load():
    (problem,) = errors_of(CONSTRUCTOR_ERRORS[0][0])
    assert "yaml.safe_load" in problem.hint
    assert "remove the tag" in problem.hint


def test_unsafe_tag_is_not_run(tmp_path):
    marker = tmp_path / "ran"
    errors_of(f"s:\n  loras: !!python/object/apply:os.system ['touch {marker}']\n")
    assert not marker.exists()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("text", [nested_bomb(9), mapping_bomb(20)])
def test_alias_bomb_stops(text):
    (problem,) = errors_of(text)
    assert f"more than {MAX_EXPANDED_NODES} nodes" in problem.message
    assert problem.line is not None
    assert "ComfyUI fails" not in problem.message


@pytest.mark.timeout(30)
def test_merge_bomb_is_bounded():
    # Older PyYAML releases copy each merged mapping once per reference, so this text grows
    # as 3**20 there; PyYAML 6.0.4 merges each key once. Either way the read ends quickly.
    found = errors_of(merge_bomb(20))
    assert all(f"more than {MAX_EXPANDED_NODES} nodes" in problem.message for problem in found)


def test_alias_bomb_names_its_entry():
    text = "s:\n  vae: v\n" + nested_bomb(6)
    (problem,) = errors_of(text)
    # The line of an entry that repeats the aliases, not of the nodes they repeat.
    assert text.splitlines()[problem.line - 1].startswith("l")
    assert problem.line > 3


def test_small_alias_use_allowed():
    model_paths = parse_model_paths("a:\n  base_path: /v\n  vae: &shared models/shared\n  loras: *shared\n",
                                    location="/opt/ComfyUI", environ={})
    assert model_paths.problems == []
    assert model_paths.section("a").folder_paths("loras") == ["/v/models/shared"]


@pytest.mark.parametrize("text, line", [
    ("s: &a\n  loras: *a\n", 1),
    ("s:\n  loras: &a [*a]\n", 2),
    ("s: &a\n  <<: *a\n", 1),
])
def test_recursive_alias_is_an_error(text, line):
    (problem,) = errors_of(text)
    assert "recursive structure" in problem.message
    assert problem.line == line


@pytest.mark.timeout(30)
def test_deep_nesting_is_an_error():
    (problem,) = errors_of("s:\n  vae: " + "[" * 3000 + "]" * 3000 + "\n")
    assert "nests collections too deeply" in problem.message


MERGES = [
    ("base: &base\n  base_path: /v\n  vae: vae\n  loras: loras\ns:\n  <<: *base\n  loras: my_loras\n", []),
    ("a: &a\n  vae: first\nb: &b\n  vae: second\n  loras: l\ns:\n  <<: [*a, *b]\n", [("s", "vae")]),
    ("a: &a\n  vae: first\nb: &b\n  vae: second\ns:\n  <<: [*a, *b]\n  vae: mine\n", []),
    ("a: &a\n  vae: one\ns:\n  <<: *a\n  <<: {vae: two}\n", []),
    ("a: &a {vae: x}\nb: &b\n  <<: *a\n  loras: y\ns:\n  <<: *b\n", []),
    ("s:\n  =: x\n", []),
]


@pytest.mark.parametrize("text, release_dependent", MERGES)
def test_merge_keys_match_safe_load(text, release_dependent):
    model_paths = parse_model_paths(text, location="/opt/ComfyUI", environ={})
    assert [(problem.section, problem.key) for problem in model_paths.problems] == release_dependent
    assert all("depends on the deployment's PyYAML" in problem.message for problem in model_paths.problems)
    loaded = yaml.safe_load(text)
    assert [section.name for section in model_paths.loaded_sections()] == list(loaded)
    for section in model_paths.loaded_sections():
        expected = {key: value for key, value in loaded[section.name].items() if key != "base_path"}
        written = {entry.key: entry.path for entry in section.entries}
        base = loaded[section.name].get("base_path", "/opt/ComfyUI")
        assert written == {key: f"{base}/{value}" for key, value in expected.items()}


def test_repeated_key_still_warns_beside_merge():
    text = "a: &a {vae: x}\ns:\n  <<: *a\n  loras: one\n  loras: two\n"
    problems = parse_model_paths(text, location="/opt/ComfyUI", environ={}).problems
    assert [(problem.severity, problem.line) for problem in problems] == [("warning", 5)]


@pytest.mark.parametrize("text", [
    "s:\n  vae: v # \x01\n",  # PyYAML rejects the control character, even in a comment
    "s:\n  vae: v # x\u2028  loras: y\n",  # PyYAML breaks the line at U+2028
    "s: # \x85 vae: v\n  loras: l\n",  # and at NEL
    "s:\n  vae: v\u00e9\n",
    "\ufeffs:\n  vae: v\n",
    "s:\n  vae: !!str v\n",
    "s:\n  vae: &a v\n  loras: *a\n",
    "s:\n  <<: {vae: v}\n",
])
def test_fast_path_declines_what_it_cannot_read(text):
    assert compose_simple(text) is None


def test_cli_unsafe_tag_exit_2(tmp_path):
    yaml_file = tmp_path / "f.yaml"
    yaml_file.write_text("s:\n  base_path: /v\n  loras: !!python/object/apply:os.system ['echo x']\n")
    (tmp_path / "api.json").write_text(json.dumps({"1": {"class_type": "VAELoader", "inputs": {"vae_name": "v"}}}))
    (tmp_path / "wfc.toml").write_text("")
    for extra in ([], ["--profile", "s"]):
        result = CliRunner().invoke(models, ["check", str(tmp_path / "api.json"), "--config", str(tmp_path / "wfc.toml"),
                                             "--model-paths", str(yaml_file), "--root", str(tmp_path), *extra],
                                    catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert f"{yaml_file}:3: invalid YAML" in result.output
        assert "Traceback" not in result.output
