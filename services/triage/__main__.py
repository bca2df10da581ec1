from remedy.worker import run
from services.triage.worker import build

run(build)
