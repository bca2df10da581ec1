"""The same pass-through through Remedy's own runtime: batched agent (``Runtime.agent``) and direct
producer sends (``Runtime.send``), the idioms intake uses. Printed beside the bare agent so the
figure shows how much of intake's margin comes from the runtime rather than from intake's own work."""
from remedy.runtime.app import Runtime, create_app
from remedy.kernel.clock import clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from remedy.runtime.worker import run
from services.intake.settings import IntakeSettings

from bench.passthrough import OUT_TOPIC


def build(settings: Settings, intake: IntakeSettings):
    app = create_app("passthrough", settings, web_port=intake.port)  # measured in intake's place
    rt = Runtime(app, "passthrough", Codec(settings.schemas_dir), clock_from_settings(settings), ServiceMetrics("passthrough"))

    async def forward(event) -> None:
        await rt.send(OUT_TOPIC, event.message.key, event.message.value)

    rt.agent(rt.topic("loan.defaults"), forward, name="passthrough")
    return app


if __name__ == "__main__":
    run(build, IntakeSettings)
