from remedy.runtime.worker import run
from services.triage.settings import TriageSettings
from services.triage.worker import build

run(build, TriageSettings)
