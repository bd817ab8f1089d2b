# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the homelab.swarm.swarm_nodes_labels_plan filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.swarm.plugins.filter.swarm_nodes import swarm_nodes_labels_plan

MARKER = 'io.homelab.swarm.managed-labels'


def test_a_bare_node_gets_the_labels_and_the_marker():
    plan = swarm_nodes_labels_plan(None, {'role': 'edge', 'ssd': True, 'zone': 1, 'empty': None}, MARKER)
    assert plan == {
        'bad_keys': [],
        'labels': {'role': 'edge', 'ssd': 'true', 'zone': '1', 'empty': '', MARKER: 'empty,role,ssd,zone'},
    }


def test_a_dropped_managed_key_goes_and_a_hand_set_label_stays():
    current = {'role': 'edge', 'old': 'x', 'by-hand': 'kept', MARKER: 'old,role'}
    assert swarm_nodes_labels_plan(current, {'role': 'db'}, MARKER)['labels'] == {
        'by-hand': 'kept', 'role': 'db', MARKER: 'role'}


def test_no_managed_label_left_removes_the_marker():
    assert swarm_nodes_labels_plan({'role': 'edge', 'by-hand': 'x', MARKER: 'role'}, {}, MARKER)['labels'] == {
        'by-hand': 'x'}
    assert swarm_nodes_labels_plan({}, None, MARKER)['labels'] == {}


def test_a_node_as_asked_is_planned_as_it_is():
    current = {'role': 'edge', 'ssd': 'false', MARKER: 'role,ssd'}
    assert swarm_nodes_labels_plan(current, {'ssd': False, 'role': 'edge'}, MARKER)['labels'] == current


def test_keys_that_cannot_be_managed_are_returned():
    plan = swarm_nodes_labels_plan({}, {'a,b': 1, MARKER: 'x', '': 'y', 'ok': 'z'}, MARKER)
    assert plan['bad_keys'] == ['a,b', MARKER, '']


def test_labels_that_are_not_a_mapping_are_refused():
    with pytest.raises(AnsibleFilterError, match='must be a mapping, not list'):
        swarm_nodes_labels_plan({}, ['role=edge'], MARKER)
