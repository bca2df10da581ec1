"""webhooks: signed deliveries of case events to the parties' subscribed URLs."""
from remedy.runtime.worker import run
from services.webhooks.settings import WebhooksSettings
from services.webhooks.worker import build

run(build, WebhooksSettings)
