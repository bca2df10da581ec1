"""The README's settings table, from every settings class's defaults and field docs:
``python -m remedy.ops.settings_doc`` prints it (the shared settings, each service's, the simulator's)."""
from __future__ import annotations

import dataclasses

from remedy.contract.paths import REPO_ROOT
from remedy.ops.settings import parts

WHERE = {"shared": "`remedy/kernel/settings.py`: what several processes read", "sim": "`sim/settings.py`"}


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for owner, kind in parts():
        rows.append(f"| **{owner}** | | {WHERE.get(owner, f'`services/{owner}/settings.py`')} |")
        for f in dataclasses.fields(kind):
            default = str(f.default).replace(str(REPO_ROOT) + "/", "")
            rows.append(f"| `{kind.env_name(f)}` | `{default}` | {f.metadata.get('doc', '')} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
