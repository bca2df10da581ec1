"""repair: credit repair after full performance; notice before any negative credit report."""
from remedy.runtime.worker import run
from services.repair.settings import RepairSettings
from services.repair.worker import build

run(build, RepairSettings)
