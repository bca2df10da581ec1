"""The README's promises that code can check."""
from remedy.kernel.settings import REPO_ROOT, Settings, SETTINGS_DOC
import dataclasses

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    top = README[:1500]
    assert "make run" in top and "make test" in top


def test_every_setting_is_documented_in_the_readme_table():
    for field in dataclasses.fields(Settings):
        assert f"`REMEDY_{field.name.upper()}`" in README, field.name
        assert SETTINGS_DOC.get(field.name), f"{field.name} has no SETTINGS_DOC entry"
