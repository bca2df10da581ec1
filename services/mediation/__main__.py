from remedy.runtime.worker import run
from services.mediation.settings import MediationSettings
from services.mediation.worker import build

run(build, MediationSettings)
