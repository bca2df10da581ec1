"""objections: objections and holds, hardship claims, complaints, lender stops."""
from remedy.runtime.worker import run
from services.objections.settings import ObjectionsSettings
from services.objections.worker import build

run(build, ObjectionsSettings)
