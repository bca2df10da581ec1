"""The court signatures a gateway has accepted within the replay window, kept in its read-model store
(``rg/<until, epoch s>/<signature>``) so that a restart does not forget them: a signed decision replayed to a
restarted gateway is refused as it was before. Entries past their window are dropped as they expire."""
from __future__ import annotations

from services.gateway.store import Store, key

PREFIX = "rg"
PRUNE_EVERY = 256   # remembered signatures between two sweeps of the expired ones


class ReplayMemory:
    def __init__(self, store: Store):
        self.store, self.since_prune = store, 0

    def load(self, now_s: float | None = None) -> dict[str, float]:
        """The signatures kept (signature → until), after dropping those expired by ``now_s`` when given (the
        guard forgets expired ones itself; the store drops them as new ones are kept)."""
        if now_s is not None:
            self.prune(now_s)
        return {k.rsplit(b"\x00", 1)[1].decode(): float(k.split(b"\x00")[1]) for k, _ in self.store.scan(key(PREFIX) + b"\x00")}

    def keep(self, signature: str, until_s: float) -> None:
        self.store.write_now(key(PREFIX, f"{int(until_s):012d}", signature), b"")
        self.since_prune += 1
        if self.since_prune >= PRUNE_EVERY:
            self.prune(until_s - 1)

    def prune(self, now_s: float) -> None:
        """Drop every signature whose window ended before ``now_s`` (the keys are ordered by that end)."""
        self.since_prune = 0
        stop = f"{int(now_s):012d}".encode()
        for k, _ in list(self.store.scan(key(PREFIX) + b"\x00", stop=stop)):
            self.store.delete_now(k)
