# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test helpers shared by the unit tests of the modules that run the docker CLI.

fixture() reads a file of fixtures/ (see fixtures/README.md), ok() and err() turn one into a
run_command result, and run_main() runs a module's main() against a list of such results with
FakeTime standing in for the clock of the polling loop in plugins/module_utils/docker_cli.py.
"""

from __future__ import annotations

import os

from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.swarm.plugins.module_utils import docker_cli


FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
DOCKER = '/usr/bin/docker'


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def ok(name):
    """A successful run_command result carrying the output of a fixture."""
    return (0, fixture(name), '')


def err(name):
    """A failed run_command result carrying a recorded docker CLI error (the CLI exits 1, message on stderr)."""
    return (1, '', fixture(name))


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise ExitJson(kwargs)


def fail_json(self, msg, **kwargs):
    kwargs['failed'] = True
    kwargs['msg'] = msg
    raise FailJson(kwargs)


class FakeTime:
    """Stands in for the time module inside module_utils/docker_cli.py: sleep() advances time() instantly.

    run_cost: seconds each run_command call of run_main() takes.
    """

    def __init__(self, start=1000.0, run_cost=0.0):
        self.now = start
        self.run_cost = run_cost
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def commands(run_command):
    """The argv of every run_command call of run_main()'s mock, in order."""
    return [call[0][1] for call in run_command.call_args_list]


def run_main(module, args, outputs, fake_time=None, bin_path=DOCKER):
    """Run module.main() with the given module args.

    outputs: the run_command results, in order. bin_path: what get_bin_path() returns.
    Returns (kind, result, run_command mock, fake time), kind being 'exit' or 'fail'.
    """
    fake_time = fake_time or FakeTime()
    outputs = list(outputs)

    def run_command(self, cmd, **kwargs):
        fake_time.now += fake_time.run_cost
        return outputs.pop(0)

    run_mock = mock.MagicMock(side_effect=run_command)

    def run_command_method(self, cmd, **kwargs):
        return run_mock(self, cmd, **kwargs)

    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json), \
            mock.patch.object(basic.AnsibleModule, 'run_command', run_command_method), \
            mock.patch.object(basic.AnsibleModule, 'get_bin_path', return_value=bin_path), \
            mock.patch.object(docker_cli, 'time', fake_time):
        try:
            module.main()
        except ExitJson as exc:
            return 'exit', exc.args[0], run_mock, fake_time
        except FailJson as exc:
            return 'fail', exc.args[0], run_mock, fake_time
    raise AssertionError('main() returned without exit_json or fail_json')
