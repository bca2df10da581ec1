"""Imports run one way: contract → kernel → runtime → services → ops / sim (tests/architecture/layers.py)."""
import ast
import textwrap

from remedy.kernel.settings import REPO_ROOT
from tests.architecture.layers import check, imports_of


def test_no_import_runs_up_the_layers():
    violations = check(REPO_ROOT)
    assert not violations, "imports that run up the layers:\n" + "\n".join(map(str, violations))


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path):
    (tmp_path / "remedy" / "kernel").mkdir(parents=True)
    (tmp_path / "services" / "triage").mkdir(parents=True)
    (tmp_path / "remedy" / "kernel" / "ids.py").write_text(textwrap.dedent("""
        def late():
            from services.triage import decide
            import faust
        from ..runtime import app
    """))
    (tmp_path / "services" / "triage" / "worker.py").write_text("from services.mediation.desk import Desk\n")
    found = {(v.path, v.imported) for v in check(tmp_path)}
    assert found == {("remedy/kernel/ids.py", "services.triage"), ("remedy/kernel/ids.py", "services.triage.decide"),
                     ("remedy/kernel/ids.py", "faust"), ("remedy/kernel/ids.py", "remedy.runtime"),
                     ("remedy/kernel/ids.py", "remedy.runtime.app"),
                     ("services/triage/worker.py", "services.mediation.desk"),
                     ("services/triage/worker.py", "services.mediation.desk.Desk")}


def test_relative_imports_resolve_against_the_package():
    tree = ast.parse("from . import codec\nfrom ..kernel import ids\n")
    assert [name for _, name in imports_of(tree, "remedy.contract.topics", False)] == [
        "remedy.contract", "remedy.contract.codec", "remedy.kernel", "remedy.kernel.ids"]
