from remedy.runtime.worker import run
from services.intake.settings import IntakeSettings
from services.intake.worker import build

run(build, IntakeSettings)
