from remedy.runtime.worker import run
from services.intake.worker import build

run(build)
