"""The rule reference in docs/lint.md and the pre-commit hook definitions."""

from __future__ import annotations

from pathlib import Path

import yaml


def test_rule_reference_current(root: Path):
    from wfc.lint.docs import replace_rules

    text = (root / "docs" / "lint.md").read_text(encoding="utf-8")
    assert replace_rules(text) == text, "docs/lint.md is stale: run python -m wfc.lint.docs --write docs/lint.md"


def test_rule_reference_lists_every_rule(root: Path):
    from wfc.lint.registry import load_all

    text = (root / "docs" / "lint.md").read_text(encoding="utf-8")
    for code, rule in load_all().items():
        assert f"### {code} {rule.name}" in text


def test_pre_commit_hooks(root: Path):
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["wfc-lint", "wfc-lint-specs"]
    for hook in hooks:
        assert hook["entry"].startswith("wfc lint")
        assert hook["language"] == "python"
