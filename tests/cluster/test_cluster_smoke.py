"""The cluster starts: Kamailio answers, both nodes' allo are healthy and see their own Asterisk."""

from __future__ import annotations

from tests.cluster.cluster_kit import ClusterUnderTest


def test_both_nodes_serve_behind_the_proxy(cluster: ClusterUnderTest) -> None:
    assert cluster.kamailio is not None and cluster.kamailio.answers()
    for name in ("a", "b"):
        assert cluster.get(name, "/healthz").status_code == 200
        settings = cluster.asterisks[name].cli("core show settings")
        assert f"System name:                 {name}\n" in settings, settings
