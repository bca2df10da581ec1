"""What every Remedy process checks before it starts: outside dev mode, no development secret may be in use."""
from __future__ import annotations

from remedy.kernel.settings import EnvSettings, Settings, SettingsError, refuse_development_defaults


def refuse_development_secrets(settings: Settings, *own: EnvSettings, problems: tuple[str, ...] = ()) -> None:
    """Exit with one clear line naming every offending variable (``refuse_development_defaults``) when
    ``REMEDY_ENV`` is not ``dev`` and a development default is in use; nothing in dev mode."""
    try:
        refuse_development_defaults(settings, *own, problems=problems)
    except SettingsError as exc:
        raise SystemExit(f"remedy: {exc}") from None
