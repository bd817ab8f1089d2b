# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the swarm_networks filters (the plan itself: module_utils/test_network_plan.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.swarm.plugins.filter.swarm_networks import FilterModule, swarm_networks_plan


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {'swarm_networks_plan', 'swarm_networks_refusals'}


def test_the_plan_filter_reads_the_task_output():
    assert swarm_networks_plan([{'name': 'backend', 'state': 'absent'}], ['network null']) == [
        {'name': 'backend', 'state': 'absent', 'exists': False, 'differences': [], 'users': []}]


def test_a_read_that_does_not_match_the_inventory_fails_the_task_naming_the_filter():
    with pytest.raises(AnsibleFilterError, match='^swarm_networks_plan: the read gave 0 networks for 1'):
        swarm_networks_plan([{'name': 'backend'}], [])
