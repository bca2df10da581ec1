from remedy.runtime.worker import run
from services.notify.settings import NotifySettings
from services.notify.worker import build

run(build, NotifySettings)
