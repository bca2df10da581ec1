"""enforcement: litigation filing, court decisions, performance deadlines, compulsory enforcement."""
from remedy.worker import run
from services.enforcement.worker import build

run(build)
