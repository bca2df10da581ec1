"""The baseline for intake's throughput: a bare faust agent that only passes the same bytes on,
built with the same app factory (same broker settings, same linger)."""
from remedy.runtime.app import create_app, raw_topic
from remedy.kernel.settings import Settings
from remedy.runtime.worker import run
from services.intake.settings import IntakeSettings

OUT_TOPIC = "bench.passthrough"


def build(settings: Settings, intake: IntakeSettings):
    app = create_app("passthrough", settings, web_port=intake.port)  # measured in intake's place
    out = raw_topic(app, OUT_TOPIC)

    @app.agent(raw_topic(app, "loan.defaults"))
    async def passthrough(stream):
        async for event in stream.events():
            await out.send(key=event.message.key, value=event.message.value)

    return app


if __name__ == "__main__":
    run(build, IntakeSettings)
