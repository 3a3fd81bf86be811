"""Pure parts of section 9 (one node behind Kamailio): the proxied citizen scenario, SIPp's concurrency, Kamailio's
counters, the summary's planning figures and the report."""

from __future__ import annotations

import re

import pytest

from allo.setup import sipp
from bench.amiwatch import Seen
from bench.load import CitizenLoad, citizen_scenario, through_proxy
from bench.sections._kamailio import parse_stats
from bench.sections.cluster import journey_counts, max_current_calls, summarize
from bench.sections.cluster_render import render


def test_through_proxy_routes_the_requests_inside_the_dialog():
    direct = citizen_scenario("3939", "1", "0601")
    proxied = through_proxy(direct)
    assert proxied.count('rrs="true"') == 1 and 'rtd="true" crlf="true" rrs="true"' in proxied
    # The INVITE still goes to the proxy; the ACK and each INFO go to the far end's Contact through the route set.
    assert "INVITE sip:3939@[remote_ip]:[remote_port] SIP/2.0" in proxied
    assert re.findall(r"^\s*(ACK|INFO) (\S+) SIP/2\.0\n\s*\[routes\]$", proxied, re.MULTILINE) == [
        ("ACK", "[next_url]"), ("INFO", "[next_url]")]
    assert "ACK sip:" not in proxied and "INFO sip:" not in proxied
    with pytest.raises(ValueError):
        through_proxy("<scenario/>")


def test_through_proxy_routes_the_bye_of_a_citizen_who_hangs_up():
    proxied = through_proxy(sipp.citizen_scenario(sipp.parse_key_steps("1", 1500), "citizen-hangup.xml"))
    assert re.findall(r"^\s*(ACK|INFO|BYE) (\S+) SIP/2\.0\n\s*\[routes\]$", proxied, re.MULTILINE) == [
        ("ACK", "[next_url]"), ("INFO", "[next_url]"), ("BYE", "[next_url]")]


def test_a_citizen_load_leaves_from_its_source_address(tmp_path):
    load = CitizenLoad(5060, "3939", 2.0, 10, tmp_path, via_proxy=True, source="127.0.0.4")
    command = load.command()
    assert command[command.index("-i") + 1] == command[command.index("-mi") + 1] == "127.0.0.4"
    assert load.calls == 20
    direct = CitizenLoad(5060, "3939", 1.0, 1, tmp_path).command()
    assert direct[direct.index("-i") + 1] == direct[direct.index("-mi") + 1] == "127.0.0.1"


def test_max_current_calls_reads_sipps_statistics(tmp_path):
    stat = tmp_path / "stat.csv"
    stat.write_text("StartTime;CurrentCall;TotalCallCreated\nx;3;3\nx;41;50\nx;12;80\nx;;80\n")
    assert max_current_calls(stat) == 41
    assert max_current_calls(tmp_path / "missing.csv") == 0


def test_parse_stats_keeps_the_request_counters():
    assert parse_stats(["core:rcv_requests = 120", "core:fwd_requests = 118", "core:drop_requests = 0",
                        "core:rcv_replies = x"]) == {"core:rcv_requests": 120, "core:fwd_requests": 118}


def test_journey_counts():
    events = [Seen("QueueCallerJoin", "1", 0.0, 0.0, {"Queue": "l1"}),
              Seen("QueueCallerJoin", "2", 0.0, 0.0, {"Queue": "l2"}),
              Seen("AgentConnect", "1", 0.0, 0.0, {}), Seen("QueueCallerAbandon", "3", 0.0, 0.0, {})]
    assert journey_counts(events) == (1, 1, 1)


def _step(path, rate, ok, calls, kam_s=0.0, rcv=0, rows=0, at_once=0):
    return {"path": path, "rate": rate, "seconds": 10, "ok": ok, "planned": calls, "succeeded": calls,
            "max_concurrent": at_once, "post_dial_ms": {"p50": 4.0, "p99": 8.0},
            "cpu_pct": {"asterisk": 50.0, "allo": 20.0, "kamailio": 3.0, "postgresql": 10.0},
            "cpu_s": {"asterisk": 5.0, "allo": 2.0, "kamailio": kam_s, "postgresql": 1.0}, "machine_busy_pct": 40.0,
            "kamailio_sip": {"core:rcv_requests": rcv, "core:fwd_requests": rcv} if path == "proxy" else None,
            "rows_written": rows, "load_average": 1.5, "command": f"sipp {path}"}


def test_summary_planning_figures_by_hand():
    steps = [_step("direct", 20, True, 200, rows=2000, at_once=120), _step("proxy", 20, True, 200, kam_s=0.4,
                                                                           rcv=800, rows=2000, at_once=125),
             _step("direct", 40, True, 400, rows=4000, at_once=240), _step("proxy", 40, False, 350, kam_s=9.0,
                                                                           rcv=1400, rows=3500)]
    result = summarize(steps)
    assert result["best"] == {"direct": {"calls_per_s": 40, "max_concurrent": 240},
                              "proxy": {"calls_per_s": 20, "max_concurrent": 125}}
    assert result["proxy_over_direct"] == 0.5
    # Only the passing proxy step: 0.4 s of CPU for 800 requests = 0.5 ms each; 4 requests per call on the
    # citizen's leg, 8 planned; half a core = 500 ms/s -> 1000 requests/s. Rows: 8000 over 800 calls passed;
    # PostgreSQL 3 x 1.0 s of CPU for them = 0.375 ms a row -> 1333 rows/s at half a core.
    assert result["planning"] == {"kamailio_cpu_ms_per_request": 0.5, "measured_requests_per_call": 4.0,
                                  "sip_requests_per_call": 8.0, "kamailio_requests_per_s": 1000,
                                  "db_rows_per_call": 10.0, "postgresql_cpu_ms_per_row": 0.375,
                                  "db_rows_per_s": 1333}


def test_summary_without_a_passing_proxy_step_gives_no_kamailio_figure():
    result = summarize([_step("direct", 20, True, 200, rows=100), _step("proxy", 20, False, 10, kam_s=1, rcv=9)])
    assert "kamailio_requests_per_s" not in result["planning"] and result["proxy_over_direct"] is None


def test_render_names_both_paths_and_the_planning_figures():
    steps = [_step("direct", 20, True, 200, rows=2000, at_once=120),
             _step("proxy", 20, True, 200, kam_s=0.4, rcv=800, rows=2000, at_once=125)]
    result = {**summarize(steps), "steps": steps, "never_failed": {"direct": True, "proxy": True},
              "duration_s": 60.0, "parameters": {"rates": [20], "step_s": 10, "paths": ["direct", "proxy"],
                                                 "agents": 30, "talk_ms": 500, "kamailio_children": 2,
                                                 "number": "3939"}}
    text = render(result)
    assert "| through Kamailio | 20 (never failed: the ceiling is higher) | 125 |" in text
    assert "**1000 requests/s**" in text and "**10 rows written per call**" in text
    assert "0.5 ms of PostgreSQL CPU per row" in text and "**1000 rows/s**" in text  # 2 s for 4000 rows
    assert "| through Kamailio | 20 | 10 | PASS | 200/200 | 125 |" in text and "| 40.0 | 1.5 | 800 | 2000 |" in text
    again = render({**result, "steps": [{**steps[1], "ok": False}, {**steps[1], "attempt": 2}]})
    assert "| FAIL | 200/200 |" in again and "| PASS (again) | 200/200 |" in again
    assert "    sipp proxy" in text
