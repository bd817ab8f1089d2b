"""Fixtures giving the scenario's nodes by inventory group."""

import os

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner


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
