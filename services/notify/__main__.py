from remedy.runtime.worker import run
from services.notify.worker import build

run(build)
