# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the homelab.swarm.swarm_configs_stale filter."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.swarm.plugins.filter.swarm_configs import swarm_configs_stale


def service(configs=None, secrets=None):
    return 'service ' + json.dumps({'TaskTemplate': {'ContainerSpec': {'Configs': configs, 'Secrets': secrets}}})


def test_an_old_version_no_service_uses_is_removed_and_one_in_use_is_kept():
    lines = [
        service(configs=[{'ConfigName': 'web_conf_bbb'}, {'ConfigName': 'web_conf_aaa'}], secrets=None),
        service(configs=None, secrets=[{'SecretName': 'db_pw_111'}]),
        'config web_conf_aaa', 'config web_conf_bbb', 'config web_conf_ccc',
        'secret db_pw_111', 'secret db_pw_222',
    ]
    assert swarm_configs_stale(lines, {'web_conf': 'web_conf_ccc'}, {'db_pw': 'db_pw_222'}) == {
        'config': {'remove': [], 'kept': ['web_conf_aaa', 'web_conf_bbb']},
        'secret': {'remove': [], 'kept': ['db_pw_111']},
    }
    assert swarm_configs_stale(lines[2:], {'web_conf': 'web_conf_ccc'}, {'db_pw': 'db_pw_222'}) == {
        'config': {'remove': ['web_conf_aaa', 'web_conf_bbb'], 'kept': []},
        'secret': {'remove': ['db_pw_111'], 'kept': []},
    }


def test_nothing_listed_is_nothing_stale():
    assert swarm_configs_stale([], {}, {}) == {'config': {'remove': [], 'kept': []},
                                               'secret': {'remove': [], 'kept': []}}


def test_a_config_and_a_secret_of_the_same_name_are_apart():
    lines = [service(secrets=[{'SecretName': 'x_1'}]), 'config x_1', 'secret x_1']
    assert swarm_configs_stale(lines, {}, {}) == {'config': {'remove': ['x_1'], 'kept': []},
                                                  'secret': {'remove': [], 'kept': ['x_1']}}


def test_a_line_of_another_kind_is_refused():
    with pytest.raises(AnsibleFilterError, match='neither a service, a config nor a secret: volume v'):
        swarm_configs_stale(['volume v'], {}, {})
    with pytest.raises(AnsibleFilterError, match='a service line is not a service spec'):
        swarm_configs_stale(['service {"Spec": 1}'], {}, {})
