"""analytics: case.events, notice.log and loan.defaults.rejected → ClickHouse; the ops dashboard."""
