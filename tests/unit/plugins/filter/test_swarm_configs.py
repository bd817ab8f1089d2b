# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the filters of the swarm_configs role."""

from __future__ import annotations

import hashlib
import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.swarm.plugins.filter.swarm_configs import (
    swarm_configs_definition_problems,
    swarm_configs_secret_names,
    swarm_configs_stale,
    swarm_configs_versioned,
)


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


def sha(text, length=12):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:length]


def test_good_definitions_have_no_problem():
    configs = [{'name': 'web.conf', 'content': 'x'}, {'name': 'b', 'src': 'f'}, {'name': 'c', 'template': 't'}]
    assert swarm_configs_definition_problems(configs, [{'name': 'web.conf', 'value': 'v'}], 12) == []
    assert swarm_configs_definition_problems([], [], 12) == []


def test_each_kind_of_mistake_is_one_sentence_naming_the_items():
    configs = [{'name': 'two', 'content': 'x', 'src': 'f'}, {'name': 'none'}, {'name': '-dash', 'content': 'x'},
               {'name': 'dup', 'content': 'x'}, {'name': 'dup', 'content': 'y'}, {'content': 'z'}]
    secrets = [{'name': 's', 'value': 1}, {'name': 's', 'value': 2}, {'name': 'x' * 52, 'value': 3}]
    assert swarm_configs_definition_problems(configs, secrets, 12) == [
        'Configs need exactly one of content, src and template: two, none.',
        'Names must start with a letter or digit, hold only letters, digits, _ . - and be at most 51'
        ' characters long: -dash, (an item without a name), %s.' % ('x' * 52),
        'Listed more than once: dup, s.',
    ]


def test_the_longest_name_leaves_room_for_the_suffix():
    assert swarm_configs_definition_problems([], [{'name': 'x' * 51, 'value': 'v'}], 12) == []
    assert swarm_configs_definition_problems([], [{'name': 'x' * 55, 'value': 'v'}], 8) == []
    assert len(swarm_configs_definition_problems([], [{'name': 'x' * 56, 'value': 'v'}], 8)) == 1


def test_a_config_and_a_secret_may_share_a_name():
    assert swarm_configs_definition_problems([{'name': 'x', 'content': 'a'}], [{'name': 'x', 'value': 'b'}], 12) == []


def test_configs_take_their_data_in_order_and_are_named_by_its_hash():
    configs = [{'name': 'a', 'template': 't1'}, {'name': 'b', 'content': 'inline', 'labels': {'k': 'v'}},
               {'name': 'c', 'src': 'f1'}, {'name': 'd', 'template': 't2'}]
    assert swarm_configs_versioned(configs, ['file one'], ['rendered one', 'rendered two'], '8') == [
        {'name': 'a', 'data': 'rendered one', 'labels': {}, 'versioned_name': 'a_' + sha('rendered one', 8)},
        {'name': 'b', 'data': 'inline', 'labels': {'k': 'v'}, 'versioned_name': 'b_' + sha('inline', 8)},
        {'name': 'c', 'data': 'file one', 'labels': {}, 'versioned_name': 'c_' + sha('file one', 8)},
        {'name': 'd', 'data': 'rendered two', 'labels': {}, 'versioned_name': 'd_' + sha('rendered two', 8)},
    ]


def test_a_name_changes_with_the_data_only():
    one = swarm_configs_versioned([{'name': 'a', 'content': 'x', 'labels': {'k': 'v'}}], [], [], 12)
    two = swarm_configs_versioned([{'name': 'a', 'content': 'x'}], [], [], 12)
    three = swarm_configs_versioned([{'name': 'a', 'content': 'y'}], [], [], 12)
    assert one[0]['versioned_name'] == two[0]['versioned_name'] != three[0]['versioned_name']


def test_data_that_does_not_match_the_configs_is_refused():
    with pytest.raises(AnsibleFilterError, match='no data was read for the src of config a'):
        swarm_configs_versioned([{'name': 'a', 'src': 'f'}], [], [], 12)
    with pytest.raises(AnsibleFilterError, match='more file or template data than configs'):
        swarm_configs_versioned([{'name': 'a', 'content': 'x'}], ['extra'], [], 12)


def test_secret_names_hash_the_salted_value():
    names = swarm_configs_secret_names([{'name': 'db', 'value': 'pw'}, {'name': 'api', 'value': 'pw'}], 'salt', 12)
    assert names == {'db': 'db_' + sha('saltpw'), 'api': 'api_' + sha('saltpw')}
    assert swarm_configs_secret_names([{'name': 'db', 'value': 'pw'}], '', 12) == {'db': 'db_' + sha('pw')}
    assert 'pw' not in json.dumps(swarm_configs_secret_names([{'name': 'db', 'value': 'pw'}], None, 12))
