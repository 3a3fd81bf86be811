"""The watchdog (issue 15): a hung `allo serve` is a dead one within seconds.

`heartbeat.py` beats from inside the service's event loop towards whoever watches it: the `allo supervise` pipe
(`pipe.py`) and systemd (`sd_notify.py`). `policy.py` is the pure decision (starting, ok, stalled) the supervisor
takes from the beats; `monitor.py` carries it out on a real child (reads the pipe, kills the process group);
`status.py` is the small status file (`<state_dir>/watchdog.json`) the tests and benchmarks read.
"""
