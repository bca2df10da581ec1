"""objections: objections and holds, hardship claims, complaints, lender stops."""
from remedy.worker import run
from services.objections.worker import build

run(build)
