"""enforcement: litigation filing, court decisions, performance deadlines, compulsory enforcement."""
from remedy.runtime.worker import run
from services.enforcement.settings import EnforcementSettings
from services.enforcement.worker import build

run(build, EnforcementSettings)
