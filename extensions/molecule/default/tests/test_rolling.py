"""The rolling restart side_effect.yml ran: daemon.json changed on the running lab while a client on
each node's overlay network sent requests to the replicated lab_api service."""

import datetime
import json
import os
import re

import pytest

RECORD = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "hsw-rolling.json")


@pytest.fixture(scope="module")
def record():
    if not os.path.exists(RECORD):
        pytest.skip("side_effect.yml has not run yet (the first verify comes before it)")
    with open(RECORD) as handle:
        return json.load(handle)


def _epoch(stamp):
    # 2026-11-25T11:40:34.509325178Z: dockerd's nanoseconds are cut to what datetime takes.
    day, _, rest = stamp.rstrip("Z").partition("T")
    clock = rest.split(".")[0]
    return datetime.datetime.fromisoformat("%sT%s+00:00" % (day, clock)).timestamp()


def restarts(lines, since):
    """(stopped, listening) epoch pairs of the engine's restarts after `since`."""
    stops = [_epoch(line.split()[1]) for line in lines if line.startswith("engine ") and "Processing signal" in line]
    starts = [_epoch(line.split()[1]) for line in lines if line.startswith("engine ") and "API listen" in line]
    pairs = []
    for stop in (s for s in stops if s >= since):
        after = [s for s in starts if s >= stop]
        assert after, "the engine stopped at %s and did not start again" % stop
        pairs.append((stop, min(after)))
    return pairs


def requests(lines):
    return [(int(line.split()[0]), line.split()[1]) for line in lines if line.split()[-1] in ("ok", "fail")
            and not line.startswith("engine ")]


def test_converge_succeeded(record):
    with open(record["log"]) as handle:
        log = handle.read()
    assert record["rc"] == 0, log[-3000:]
    assert "Rolling restart | Drain the node" in log
    # The manager came back locked (autolock) and was given its key; the key is not in the log.
    assert re.search(r"TASK \[[^]]*Give the manager its unlock key\] \**\nchanged: ", log), "no manager was unlocked"
    assert "SWMKEY-" not in log


def test_every_engine_has_the_new_setting_and_is_back(record, manager, managers, workers):
    for node in managers + workers:
        options = json.loads(node.file("/etc/docker/daemon.json").content_string)
        assert options["log-opts"]["max-file"] == "4", node.backend.get_hostname()
    nodes = [json.loads(line) for line in manager.check_output("docker node ls --format '{{json .}}'").splitlines()]
    assert [(n["Status"], n["Availability"]) for n in nodes] == [("Ready", "Active")] * len(nodes), nodes


def test_engines_restarted_one_at_a_time(record):
    first_request = min(t for lines in record["nodes"].values() for t, _ in requests(lines))
    windows = sorted(w for lines in record["nodes"].values() for w in restarts(lines, first_request))
    assert len(windows) == len(record["nodes"]), windows  # every engine restarted, once
    for (_stop, started), (next_stop, _next_started) in zip(windows, windows[1:]):
        assert next_stop > started, "two engines were down at the same time: %s" % windows


def test_no_request_failed_while_the_engines_restarted_one_by_one(record):
    """Failures count, except those of a client while its own engine was stopping or stopped (its
    host going down is not the service failing). The other node's client covers that time."""
    first_request = min(t for lines in record["nodes"].values() for t, _ in requests(lines))
    own_down = {node: restarts(lines, first_request) for node, lines in record["nodes"].items()}
    counted, failed, excluded = 0, [], 0
    for node, lines in record["nodes"].items():
        for when, result in requests(lines):
            if any(stop <= when <= started + 1 for stop, started in own_down[node]):
                excluded += 1
                continue
            counted += 1
            if result == "fail":
                failed.append((node, when))
    # While each engine was down, another node's client was asking, and was answered.
    for node, windows in own_down.items():
        for stop, started in windows:
            answered = [when for other, lines in record["nodes"].items() if other != node
                        for when, result in requests(lines) if stop <= when <= started and result == "ok"]
            assert len(answered) >= 10, "nobody asked while %s was down" % node
    print("rolling restart: %d requests counted, %d failed, %d left out (client's own engine down)"
          % (counted, len(failed), excluded))
    assert counted >= 200
    assert failed == [], failed
