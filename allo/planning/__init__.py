"""Planning adapters (docs/planning.md): the half-hour summary, the forecast per queue, the week plan, the best
hours to call. The mathematics is in acd/planning/."""
