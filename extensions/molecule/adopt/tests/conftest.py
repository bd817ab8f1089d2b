"""The adopted cluster's nodes, by inventory group, and what prepare.yml recorded by hand."""

import json
import os

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner


def _hosts(group):
    inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    names = AnsibleRunner(inventory).get_hosts(group)
    assert names, "no host in group %s" % group
    return [testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, inventory)) for name in names]


@pytest.fixture(scope="session")
def manager():
    return _hosts("swarm_managers")[0]


@pytest.fixture(scope="session")
def before():
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "hsw-adopt.json")
    assert os.path.exists(path), "prepare.yml left no %s" % path
    with open(path) as handle:
        return json.load(handle)
