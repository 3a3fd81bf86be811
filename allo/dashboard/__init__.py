"""The supervisor dashboard: KPIs per queue and agent (pure), the live feed, ChanSpy actions (docs/dashboard.md)."""
