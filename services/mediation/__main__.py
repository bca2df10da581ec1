from remedy.runtime.worker import run
from services.mediation.worker import build

run(build)
