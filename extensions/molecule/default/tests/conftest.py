"""Fixtures giving the scenario's nodes by inventory group, and the tests that wait for side_effect.yml."""

import os

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner


# side_effect.yml writes this first. The verify before it leaves out the tests marked after_side_effect
# (pytest reports them as deselected, not as passed); the verify after it runs them, and they fail when
# what the side effect records is missing.
SIDE_EFFECT_STARTED = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "hsw-side-effect-started")


def pytest_configure(config):
    config.addinivalue_line("markers", "after_side_effect: checks what side_effect.yml did; runs only after it")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(SIDE_EFFECT_STARTED):
        return
    later = [item for item in items if item.get_closest_marker("after_side_effect")]
    if later:
        config.hook.pytest_deselected(items=later)
        items[:] = [item for item in items if item not in later]


def _runner():
    return AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])


def _hosts(group):
    names = _runner().get_hosts(group)
    assert names, "no host in group %s" % group
    return [
        testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, os.environ["MOLECULE_INVENTORY_FILE"]))
        for name in names
    ]


@pytest.fixture(scope="session")
def ansible_runner():
    return _runner()


@pytest.fixture(scope="session")
def managers():
    return _hosts("swarm_managers")


@pytest.fixture(scope="session")
def workers():
    return _hosts("swarm_workers")


@pytest.fixture(scope="session")
def manager(managers):
    return managers[0]
