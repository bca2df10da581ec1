"""The build's one addition to pyproject.toml: the contract's schemas (``schemas/``) and analytics' ClickHouse
migrations (``deploy/clickhouse/``) live at the repository's top, where operators and the docs find them; a
wheel carries them inside the packages that read them (``remedy/contract/schemas``,
``services/analytics/migrations``), so an installed Remedy runs without the source tree."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = {"schemas": ("remedy", "contract", "schemas"), "deploy/clickhouse": ("services", "analytics", "migrations")}


class BuildWithData(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        for source, target in DATA.items():
            shutil.copytree(here / source, Path(self.build_lib, *target), dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithData})
