"""The rolling restart side_effect.yml ran: daemon.json changed on the running lab while a client on
each node's overlay network sent requests to the replicated lab_api service."""

import datetime
import json
import os
import re

import pytest

RECORD = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "hsw-rolling.json")


pytestmark = pytest.mark.after_side_effect


@pytest.fixture(scope="module")
def record():
    assert os.path.exists(RECORD), "side_effect.yml ran but left no %s" % RECORD
    with open(RECORD) as handle:
        return json.load(handle)


def _epoch(stamp):
    # 2026-11-25T11:40:34.509325178Z: dockerd's nanoseconds are cut to what datetime takes.
    day, rest = stamp.rstrip("Z").split("T", 1)
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
    first_request = min(request[0] for lines in record["nodes"].values() for request in requests(lines))
    windows = sorted(w for lines in record["nodes"].values() for w in restarts(lines, first_request))
    assert len(windows) == len(record["nodes"]), windows  # every engine restarted, once
    for (_stop, started), (next_stop, _next_started) in zip(windows, windows[1:]):
        assert next_stop > started, "two engines were down at the same time: %s" % windows


def test_no_request_failed_while_the_engines_restarted_one_by_one(record):
    """No request of a client on another node than the one restarting failed. A client on the node
    that restarts is on its own: from its engine's stop until it is answered again (after the
    restart, a node learns where the other nodes' tasks are only at the next gossip sync; the
    roll waits for that before the next node) its failures are the node's own restart. They are
    reported, and must end before the next node's engine stops."""
    first_request = min(request[0] for lines in record["nodes"].values() for request in requests(lines))
    own = {}
    for node, lines in record["nodes"].items():
        answered = sorted(when for when, result in requests(lines) if result == "ok")
        own[node] = []
        for stop, started in restarts(lines, first_request):
            back = [when for when in answered if when > started]
            assert back, "the client on %s was never answered again after its engine restarted" % node
            own[node].append((stop, back[0]))
    counted, failed, own_failures = 0, [], 0
    for node, lines in record["nodes"].items():
        for when, result in requests(lines):
            if any(stop <= when <= back for stop, back in own[node]):
                own_failures += result == "fail"
                continue
            counted += 1
            if result == "fail":
                failed.append((node, when))
    # While each engine was down, another node's client was asking, and was answered.
    for node, windows in own.items():
        for stop, back in windows:
            answered = [when for other, lines in record["nodes"].items() if other != node
                        for when, result in requests(lines) if stop <= when <= back and result == "ok"]
            assert len(answered) >= 10, "nobody asked while %s was down" % node
    # The roll moved on only once the restarted node could reach the services again.
    windows = sorted(window for node_windows in own.values() for window in node_windows)
    for (_stop, back), (next_stop, _next_back) in zip(windows, windows[1:]):
        assert back <= next_stop, "the next engine stopped before the last one's node was answered again: %s" % windows
    print("rolling restart: %d requests from the other nodes' clients, %d failed; %d failures of a client while "
          "its own node restarted" % (counted, len(failed), own_failures))
    assert counted >= 200
    assert failed == [], failed
