from remedy.worker import run
from services.mediation.worker import build

run(build)
