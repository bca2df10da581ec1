"""The outside world's policies, one module per kind of party (see ``sim.world``). Pure."""
