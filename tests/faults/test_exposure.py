"""The local cluster listens on the loopback interface only (issue 11, item 9).

The printed dashboard link said 127.0.0.1 while the dashboard listened on
every interface of the machine.
"""

from urllib.parse import urlparse

import psutil

from igesweep.sweep.engine import dask_client


def test_local_scheduler_and_dashboard_listen_on_loopback_only():
    with dask_client(n_workers=1) as client:
        dashboard = urlparse(client.dashboard_link)
        scheduler = urlparse(client.scheduler.address)
        listening = {c.laddr.port: c.laddr.ip for c in psutil.Process().net_connections("tcp")
                     if c.status == psutil.CONN_LISTEN}
        assert dashboard.hostname == "127.0.0.1"
        for port in (dashboard.port, scheduler.port):
            assert listening[port] == "127.0.0.1", (port, listening)
