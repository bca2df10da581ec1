from remedy.runtime.worker import run
from services.triage.ruleset import RulesError
from services.triage.settings import TriageSettings
from services.triage.worker import build

try:
    run(build, TriageSettings)
except RulesError as exc:  # a rule file that is broken, or not the content its version was locked with
    raise SystemExit(f"triage refuses to start: {exc}")
