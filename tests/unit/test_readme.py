"""The README's promises that code can check."""
import dataclasses

from remedy.kernel.settings import REPO_ROOT
from remedy.ops.settings import parts
from remedy.ops.settings_doc import settings_table

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    top = README[:1500]
    assert "make run" in top and "make test" in top


def test_every_setting_is_documented_in_the_readme_table():
    for owner, kind in parts():
        for field in dataclasses.fields(kind):
            assert f"`{kind.env_name(field)}`" in README, f"{owner}.{field.name}"
            assert field.metadata.get("doc"), f"{owner}.{field.name} has no doc"
    assert settings_table() in README, "the README's settings table is stale: python -m remedy.ops.settings_doc"
