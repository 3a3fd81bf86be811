"""The SQL that recomputes half-hours of `planning_halfhours` whole from the raw tables (docs/planning.md).

One statement per batch: the keys (queue, Paris day, slot) to recompute, their figures from `queue_legs`, `calls`,
`call_wrapups`, `agent_state_events`, `agent_queues` and the queues' thresholds, and one upsert. Paris offsets
are whole hours, so the UTC half-hours are the Paris half-hours; a UTC half-hour maps to its key with `AT TIME
ZONE 'Europe/Paris'`, so the repeated autumn hour falls into the same keys twice (summed) and the missing spring
hour has no key. The data window [lo, hi) must cover every instant of every key: whole Paris days.

Parameters: lo, hi (the data window, UTC), horizon (now: what is still open counts until then), key_lo (the UTC
half-hour from which every queue of `queues` gets a row, zeros included, up to min(hi, horizon)), eq/ed/es (more
keys: queues, days, slots).
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

PARIS = "'Europe/Paris'"
# The slot of a local timestamp: (hour * 60 + minute) // 30.
SLOT = "(EXTRACT(HOUR FROM {t})::int * 2 + EXTRACT(MINUTE FROM {t})::int / 30)"
DEFAULT_SERVICE_LEVEL = 20  # queues.service_level's default, for a leg of a queue no longer in `queues`
DEFAULT_SHORT_ABANDON = 5

COLUMNS = ("offered", "answered", "answered_in_sl", "abandoned", "short_abandoned", "callback", "overflow",
           "timeout", "handled", "wait_sum_s", "abandoned_wait_sum_s", "handle_sum_s", "staffed_s")


def _slot(expr: str) -> str:
    return SLOT.format(t=expr)


_RECOMPUTE = f"""
WITH
halves AS (
    SELECT h FROM generate_series(CAST(:key_lo AS timestamptz),
                                  LEAST(CAST(:hi AS timestamptz), CAST(:horizon AS timestamptz))
                                  - interval '1 microsecond', interval '30 minutes') AS h
),
legs AS (
    SELECT l.id, l.call_id, l.queue, l.joined_at, l.left_at, l.outcome::text AS outcome, l.agent, l.end_reason,
           (l.joined_at AT TIME ZONE {PARIS})::date AS day, {_slot(f"(l.joined_at AT TIME ZONE {PARIS})")} AS slot,
           COALESCE(l.wait_seconds::float8, GREATEST(0, EXTRACT(EPOCH FROM l.left_at - l.joined_at))::float8, 0)
               AS wait
    FROM queue_legs l
    WHERE l.joined_at >= :lo AND l.joined_at < :hi AND l.outcome <> 'waiting'
),
keys AS (
    SELECT q.name AS queue, (h AT TIME ZONE {PARIS})::date AS day, {_slot(f"(h AT TIME ZONE {PARIS})")} AS slot
    FROM queues q CROSS JOIN halves
    UNION
    SELECT x.queue, x.day, x.slot
    FROM unnest(CAST(:eq AS text[]), CAST(:ed AS date[]), CAST(:es AS int[])) AS x(queue, day, slot)
    UNION
    SELECT queue, day, slot FROM legs
    WHERE joined_at >= :key_lo AND joined_at < LEAST(CAST(:hi AS timestamptz), CAST(:horizon AS timestamptz))
),
wrap_events AS (  -- the state history's wrap-up of (adviser, call)
    SELECT agent, call_id,
           GREATEST(0, EXTRACT(EPOCH FROM max(at) FILTER (WHERE state = 'wrapup_end')
                                          - min(at) FILTER (WHERE state = 'wrapup_start'))) AS wrap_s
    FROM agent_state_events
    WHERE at >= :lo AND at < CAST(:hi AS timestamptz) + interval '1 day' AND call_id IS NOT NULL
      AND state IN ('wrapup_start', 'wrapup_end')
    GROUP BY agent, call_id
),
mine AS (  -- the legs of the keys; for an answered one whose end is known, talk (the answer to the end of this
           -- adviser's part: the call's end, the transfer, or the call's next queue) + wrap-up
    SELECT l.queue, l.day, l.slot, l.outcome, l.wait,
           COALESCE(q.service_level, {DEFAULT_SERVICE_LEVEL}) AS sl,
           COALESCE(q.short_abandon, {DEFAULT_SHORT_ABANDON}) AS sa,
           CASE WHEN l.outcome = 'answered' AND l.left_at IS NOT NULL AND t.talk_end IS NOT NULL THEN
               EXTRACT(EPOCH FROM t.talk_end - l.left_at)
               + COALESCE(CASE WHEN w.done_at IS NOT NULL AND w.call_ended_at IS NOT NULL
                               THEN GREATEST(0, EXTRACT(EPOCH FROM w.done_at - w.call_ended_at)) END,
                          e.wrap_s, 0)
           END AS handle_s
    FROM legs l
    JOIN keys k ON k.queue = l.queue AND k.day = l.day AND k.slot = l.slot
    LEFT JOIN queues q ON q.name = l.queue
    LEFT JOIN calls c ON l.outcome = 'answered' AND c.call_id = l.call_id
    LEFT JOIN LATERAL (
        SELECT min(n.joined_at) AS joined_at FROM queue_legs n
        WHERE l.outcome = 'answered' AND n.call_id = l.call_id AND n.joined_at > l.joined_at
          AND n.joined_at >= l.left_at) nxt ON true
    CROSS JOIN LATERAL (
        SELECT CASE WHEN raw_end >= l.left_at THEN raw_end END AS talk_end
        FROM (SELECT LEAST(CASE WHEN l.end_reason = 'transfer' THEN c.transferred_at ELSE c.ended_at END,
                           nxt.joined_at) AS raw_end) r) t
    LEFT JOIN call_wrapups w ON l.outcome = 'answered' AND w.call_id = l.call_id AND w.agent = l.agent
    LEFT JOIN wrap_events e ON l.outcome = 'answered' AND e.call_id = l.call_id AND e.agent = l.agent
),
leg_figures AS (
    SELECT queue, day, slot,
           count(*) AS offered,
           count(*) FILTER (WHERE outcome = 'answered') AS answered,
           count(*) FILTER (WHERE outcome = 'answered' AND wait <= sl) AS answered_in_sl,
           count(*) FILTER (WHERE outcome = 'abandoned' AND wait >= sa) AS abandoned,
           count(*) FILTER (WHERE outcome = 'abandoned' AND wait < sa) AS short_abandoned,
           count(*) FILTER (WHERE outcome = 'callback') AS callback,
           count(*) FILTER (WHERE outcome = 'overflow') AS overflow,
           count(*) FILTER (WHERE outcome = 'timeout') AS timeout,
           count(handle_s) AS handled,
           COALESCE(sum(wait) FILTER (WHERE outcome = 'answered'), 0) AS wait_sum_s,
           COALESCE(sum(wait) FILTER (WHERE outcome = 'abandoned' AND wait >= sa), 0) AS abandoned_wait_sum_s,
           COALESCE(sum(handle_s), 0) AS handle_sum_s
    FROM mine
    GROUP BY queue, day, slot
),
state_events AS (  -- the window's login/logout/pause/resume, and per adviser the last of each kind before it
    SELECT id, agent, state, at FROM agent_state_events
    WHERE at >= :lo AND at < :hi AND state IN ('login', 'logout', 'pause', 'resume')
    UNION
    SELECT b.id, b.agent, b.state, b.at FROM agents ag CROSS JOIN LATERAL (
        SELECT id, agent, state, at FROM agent_state_events e
        WHERE e.agent = ag.username AND e.at < :lo AND e.state IN ('login', 'logout')
        ORDER BY e.at DESC, e.id DESC LIMIT 1) b
    UNION
    SELECT b.id, b.agent, b.state, b.at FROM agents ag CROSS JOIN LATERAL (
        SELECT id, agent, state, at FROM agent_state_events e
        WHERE e.agent = ag.username AND e.at < :lo AND e.state IN ('pause', 'resume', 'logout')
        ORDER BY e.at DESC, e.id DESC LIMIT 1) b
),
numbered AS (
    SELECT agent, state, at, id, lead(at) OVER w AS next_at,
           count(*) FILTER (WHERE state IN ('login', 'logout')) OVER w AS g_login,
           count(*) FILTER (WHERE state IN ('pause', 'resume', 'logout')) OVER w AS g_pause
    FROM state_events WINDOW w AS (PARTITION BY agent ORDER BY at, id)
),
states AS (  -- after each event: the last login/logout and the last pause/resume/logout so far
    SELECT agent, at, next_at,
           first_value(CASE WHEN state IN ('login', 'logout') THEN state END)
               OVER (PARTITION BY agent, g_login ORDER BY at, id) AS last_login,
           first_value(CASE WHEN state IN ('pause', 'resume', 'logout') THEN state END)
               OVER (PARTITION BY agent, g_pause ORDER BY at, id) AS last_pause
    FROM numbered
),
available AS (
    SELECT agent, GREATEST(at, CAST(:lo AS timestamptz)) AS s,
           LEAST(COALESCE(next_at, CAST(:horizon AS timestamptz)), CAST(:horizon AS timestamptz),
                 CAST(:hi AS timestamptz)) AS e
    FROM states WHERE last_login = 'login' AND last_pause IS DISTINCT FROM 'pause'
),
staffed AS (
    SELECT q.name AS queue, (h AT TIME ZONE {PARIS})::date AS day, {_slot(f"(h AT TIME ZONE {PARIS})")} AS slot,
           sum(EXTRACT(EPOCH FROM LEAST(a.e, h + interval '30 minutes') - GREATEST(a.s, h))) AS staffed_s
    FROM available a
    JOIN agents ag ON ag.username = a.agent
    JOIN agent_queues aq ON aq.agent_id = ag.id
    JOIN queues q ON q.id = aq.queue_id
    CROSS JOIN LATERAL generate_series(date_bin('30 minutes', a.s, TIMESTAMPTZ '2000-01-01 00:00:00+00'),
                                       a.e - interval '1 microsecond', interval '30 minutes') AS h
    WHERE a.e > a.s
    GROUP BY 1, 2, 3
)
INSERT INTO planning_halfhours (queue, day, slot, {", ".join(COLUMNS)}, updated_at)
SELECT k.queue, k.day, k.slot,
       {", ".join(f"COALESCE(f.{c}, 0)" for c in COLUMNS[:-1])}, COALESCE(s.staffed_s, 0), now()
FROM keys k
LEFT JOIN leg_figures f USING (queue, day, slot)
LEFT JOIN staffed s USING (queue, day, slot)
ON CONFLICT (queue, day, slot) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)}, updated_at = EXCLUDED.updated_at
"""  # noqa: S608 (constant SQL pieces; values are bound parameters)

RECOMPUTE: TextClause = text(_RECOMPUTE)

# A rebuild first clears its days, so a key whose data vanished leaves no stale row.
CLEAR_DAYS: TextClause = text("DELETE FROM planning_halfhours WHERE day >= :first AND day <= :last")
