"""bench/benchlib.py — helpers shared by the Python benchmark drivers in bench/
(ring_gossip.py, distributor_ring.py, cluster_query.py, startup_bench.py):
ports, plain HTTP GETs against a node, ring states, polling with a deadline.
Benchmarks only; the tests use tests/testutil."""
import http.client
import json
import socket
import time


def free_port():
    """A port on 127.0.0.1 that was free a moment ago (benchmarks run alone)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, accept_json=True):
    """(status, body) of GET path on 127.0.0.1:port; (0, b"") when unreachable."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", path, headers={"Accept": "application/json"} if accept_json else {})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body
    except OSError:
        return 0, b""


def ring_states(port, path="/ring"):
    """{instance id: state} of the ring page at path ({} when it does not answer)."""
    st, body = get(port, path)
    if st != 200:
        return {}
    return {s["id"]: s["state"] for s in json.loads(body)["shards"]}


def wait(pred, timeout=30.0, step=0.005):
    """Polls pred until it is true; returns time.monotonic() then, raises on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return time.monotonic()
        time.sleep(step)
    raise RuntimeError("timeout")
