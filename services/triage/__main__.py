from remedy.runtime.worker import run
from services.triage.worker import build

run(build)
