"""Planning mathematics (docs/planning.md): Erlang C, the forecast, the staffing plan and the best hours to call.
Pure: numbers in, numbers out; no database, no clock, no network."""
