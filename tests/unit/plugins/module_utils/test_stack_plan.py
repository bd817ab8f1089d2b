# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/stack_plan.py: one swarm_stacks entry to its compose document."""

from __future__ import annotations

import pytest

from ansible_collections.homelab.swarm.plugins.module_utils.stack_plan import cross_stack_problems, plain_data, plan_stack

# The seed's auth-server, as its docker-compose.yml has it.
SEED = {
    'version': '3.8',
    'services': {
        'auth-server': {
            'image': 'wy9295/auth-server:69285ae12c11ad0e7ee4aeb713338b3d072e4c78',
            'deploy': {
                'replicas': 1,
                'restart_policy': {'condition': 'on-failure'},
                'placement': {'constraints': ['node.hostname == pve']},
                'labels': ['prometheus.enable=true', 'prometheus.port=8080'],
            },
            'networks': ['internal-network', 'auth-server'],
            'environment': ['REDIS_PORT=6379', 'REDIS_PASSWORD=${REDIS_PASSWORD}'],
        },
    },
    'networks': {
        'internal-network': {'driver': 'overlay', 'name': 'internal-network', 'attachable': True},
        'auth-server': {'driver': 'overlay', 'name': 'auth-server', 'attachable': True},
    },
    'volumes': {'google-key': None},
}


def compose_plan(*documents, **kwargs):
    sources = [{'path': '/inv/stack%d.yml' % i, 'document': d} for i, d in enumerate(documents)]
    stack = dict({'name': 'dev', 'compose': [s['path'] for s in sources]}, **kwargs.pop('stack', {}))
    return plan_stack(stack, sources=sources, **kwargs)


def test_the_seed_file_is_taken_as_it_is_with_its_variable_from_env():
    plan = compose_plan(SEED, env={'REDIS_PASSWORD': 'p4ss'})
    assert plan['problems'] == []
    assert plan['notices'] == []
    web = plan['document']['services']['auth-server']
    assert web['environment'] == {'REDIS_PORT': '6379', 'REDIS_PASSWORD': '${REDIS_PASSWORD}'}
    assert web['deploy']['labels'] == {'prometheus.enable': 'true', 'prometheus.port': '8080'}
    assert web['networks'] == ['internal-network', 'auth-server']
    assert plan['variables'] == ['REDIS_PASSWORD']
    assert plan['networks_created'] == ['internal-network', 'auth-server']
    assert 'p4ss' not in repr(plan), 'no env value in the plan'


def test_an_undefined_variable_is_a_problem_naming_it_and_the_file():
    plan = compose_plan(SEED)
    assert plan['problems'] == [
        'Stack dev, services.auth-server.environment.REDIS_PASSWORD: variable REDIS_PASSWORD is not defined '
        '(in /inv/stack0.yml; define it in the env of the stack or in its env_file)']


def test_required_variable_message_is_kept():
    document = {'services': {'web': {'image': 'a', 'environment': {'A': '${A:?set A in CI}'}}}}
    assert 'required variable A is missing a value: set A in CI' in compose_plan(document, env={'A': ''})['problems'][0]


def test_keys_swarm_ignores_are_dropped_with_a_warning_naming_them():
    document = {'services': {'web': {'image': 'a', 'build': '.', 'container_name': 'web', 'restart': 'always',
                                     'depends_on': ['db']}, 'db': {'image': 'b'}}}
    plan = compose_plan(document)
    assert plan['problems'] == []
    assert sorted(plan['document']['services']['web']) == ['image']
    assert len(plan['notices']) == 1
    notice = plan['notices'][0]
    assert notice.startswith('Stack dev, file /inv/stack0.yml, service web: swarm ignores build (')
    for key in ('container_name', 'depends_on', 'restart (use deploy.restart_policy)'):
        assert key in notice


def test_malformed_files_name_the_file_the_service_and_the_key_all_at_once():
    document = {
        'version': '2.4',
        'servces': {},
        'services': {
            'web': {'image': 'a', 'replica': 2, 'mem_limit': '1g', 'deploy': {'placment': {}},
                    'labels': {'a': {'nested': 1}}, 'environment': [{'A': 1}]},
            'bad': 'not a mapping',
        },
        'networks': {'n': {'drvier': 'overlay'}},
    }
    problems = compose_plan(document)['problems']
    where = 'Stack dev, file /inv/stack0.yml'
    expected = [
        where + ": unknown top-level key 'servces'",
        where + ": version '2.4' is not a 3.x compose file version",
        where + ", service web: unknown key 'replica'",
        where + ', service web: key mem_limit is not supported by swarm: use deploy.resources.limits.memory',
        where + ', service web: unknown key deploy.placment',
        where + ', service web: labels a must be a string, number or boolean, not a mapping',
        where + ", service web: environment entry {'A': 1} must be a string NAME=VALUE",
        where + ", service bad: a service must be a mapping",
        where + ", network n: unknown key 'drvier'",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)


def test_references_to_undeclared_networks_volumes_configs_and_secrets():
    document = {'services': {'web': {'image': 'a', 'networks': ['ghost'], 'volumes': ['data:/data'],
                                     'configs': ['conf'], 'secrets': [{'source': 'key'}]}}}
    problems = compose_plan(document)['problems']
    assert 'Stack dev, service web: uses network ghost, which the stack does not declare under networks' in problems
    assert 'Stack dev, service web: mounts volume data, which the stack does not declare under volumes' in problems
    assert 'Stack dev, service web: uses config conf, which the stack does not declare under configs' in problems
    assert 'Stack dev, service web: uses secret key, which the stack does not declare under secrets' in problems


def test_bind_mounts_relative_are_refused_and_absolute_unpinned_warned():
    document = {'services': {
        'a': {'image': 'a', 'volumes': ['./conf:/conf']},
        'b': {'image': 'b', 'volumes': ['/srv/key:/key:ro']},
        'c': {'image': 'c', 'volumes': [{'type': 'bind', 'source': '/srv/x', 'target': '/x'}],
              'deploy': {'placement': {'constraints': ['node.hostname == pve']}}},
    }}
    plan = compose_plan(document)
    assert any('service a: bind mount ./conf is a relative path' in p for p in plan['problems'])
    assert any('service b: bind mount /srv/key must exist on every node' in n for n in plan['notices'])
    assert not any('service c:' in n for n in plan['notices'])


def test_files_are_merged_in_order():
    override = {'services': {'auth-server': {'image': 'wy9295/auth-server:new', 'environment': ['EXTRA=1']}}}
    plan = compose_plan(SEED, override, env={'REDIS_PASSWORD': 'x'})
    web = plan['document']['services']['auth-server']
    assert web['image'] == 'wy9295/auth-server:new'
    assert web['environment'] == {'REDIS_PORT': '6379', 'REDIS_PASSWORD': '${REDIS_PASSWORD}', 'EXTRA': '1'}


def test_env_file_of_a_service_is_read_beside_its_compose_file_and_overridden_by_environment():
    read = {'/inv/app.env': 'A=from-file\nB=from-file\n'}
    document = {'services': {'web': {'image': 'a', 'env_file': 'app.env', 'environment': ['B=inline']}}}
    plan = compose_plan(document, read_file=lambda path: read[path])
    assert plan['problems'] == []
    assert plan['document']['services']['web']['environment'] == {'A': 'from-file', 'B': 'inline'}

    def unreadable(path):
        raise IOError('gone')

    missing = compose_plan(document, read_file=unreadable)
    assert any('env_file app.env cannot be read' in p for p in missing['problems'])


def test_a_file_config_becomes_a_versioned_external_config():
    document = {'services': {'web': {'image': 'a', 'configs': [{'source': 'nginx', 'target': '/etc/nginx.conf'}]}},
                'configs': {'nginx': {'file': './nginx.conf'}}}
    first = compose_plan(document, read_file=lambda path: 'worker_processes 1;\n')
    second = compose_plan(document, read_file=lambda path: 'worker_processes 2;\n')
    name = first['document']['configs']['nginx']['name']
    assert first['document']['configs']['nginx'] == {'external': True, 'name': name}
    assert name.startswith('dev_nginx_') and len(name) == len('dev_nginx_') + 12
    assert second['document']['configs']['nginx']['name'] != name, 'new content, new name'
    assert first['configs'] == [{'name': name, 'data': 'worker_processes 1;\n',
                                 'labels': {'io.homelab.swarm.name': 'nginx'}}]


def test_a_file_secret_is_refused_and_an_inventory_secret_is_mapped_to_its_version():
    document = {'services': {'web': {'image': 'a', 'secrets': ['db', 'token']}},
                'secrets': {'db': {'file': './db.txt'}, 'token': {'external': True}}}
    plan = compose_plan(document, secret_names={'token': 'token_abc123'})
    assert any('secret db: a secret from a file would be read on the manager' in p for p in plan['problems'])
    ok = compose_plan({'services': document['services'], 'secrets': {'db': {'external': True, 'name': 'mine'},
                                                                     'token': {'external': True}}},
                      secret_names={'token': 'token_abc123'})
    assert ok['problems'] == []
    assert ok['document']['secrets'] == {'db': {'external': True, 'name': 'mine'},
                                         'token': {'external': True, 'name': 'token_abc123'}}


def test_services_form_renders_the_shorthands_under_deploy_and_doubles_dollars():
    stack = {'name': 'lab', 'services': {
        'web': {'image': 'a', 'replicas': 2, 'max_replicas_per_node': 1, 'constraints': ['node.role == manager'],
                'labels': {'prometheus.port': 8080}, 'container_labels': ['c=1'], 'endpoint_mode': 'dnsrr',
                'environment': ['X=$HOME'], 'configs': [{'source': 'greeting', 'target': '/g', 'mode': '0444'}],
                'secrets': ['token'], 'networks': ['internal-network'], 'resources': {'limits': {'cpus': 0.5}}},
        'agent': {'image': 'a', 'mode': 'global', 'deploy': {'labels': {'x': 'y'}}},
    }}
    plan = plan_stack(stack, config_names={'greeting': 'greeting_1'}, secret_names={'token': 'token_2'},
                      service_defaults={'stop_grace_period': '2s'})
    assert plan['problems'] == []
    web = plan['document']['services']['web']
    assert web['deploy'] == {'mode': 'replicated', 'replicas': 2, 'endpoint_mode': 'dnsrr',
                             'placement': {'constraints': ['node.role == manager'], 'max_replicas_per_node': 1},
                             'labels': {'prometheus.port': '8080'}, 'resources': {'limits': {'cpus': '0.5'}}}
    assert web['labels'] == {'c': '1'}
    assert web['environment'] == {'X': '$$HOME'}
    assert web['configs'] == [{'source': 'greeting', 'target': '/g', 'mode': 0o444}]
    assert web['stop_grace_period'] == '2s'
    assert plan['document']['services']['agent']['deploy'] == {'mode': 'global', 'labels': {'x': 'y'}}
    assert plan['document']['configs'] == {'greeting': {'external': True, 'name': 'greeting_1'}}
    assert plan['document']['secrets'] == {'token': {'external': True, 'name': 'token_2'}}
    assert plan['document']['networks'] == {'internal-network': {'external': True, 'name': 'internal-network'}}
    assert any('the inventory form writes' in n for n in plan['notices']) is False


def test_services_form_warns_about_a_compose_variable_and_refuses_what_docker_would():
    stack = {'name': 'lab', 'services': {
        'web': {'image': 'a', 'environment': {'P': '${PASSWORD}'}, 'mode': 'global', 'replicas': 2,
                'replica': 1, 'deploy': {'replicas': 3}, 'secrets': ['nope']},
        'noimage': {'command': 'x'},
    }}
    plan = plan_stack(stack)
    assert any("the inventory form writes '${PASSWORD}' literally" in n for n in plan['notices'])
    problems = ' '.join(plan['problems'])
    assert 'service web: unknown keys replica' in problems
    assert 'service web: is global: it cannot have replicas' in problems
    assert 'replicas is set both as replicas and under deploy' in problems
    assert 'a service uses secret nope, which is not in swarm_configs_secrets' in problems


def test_services_form_vault_values_and_guarded_secrets_are_refused():
    class EncryptedString(str):
        pass
    stack = {'name': 'lab', 'services': {'web': {'image': 'a', 'environment': {
        'P': EncryptedString('x'), 'T': 'token=supersecret1'}}}}
    plan = plan_stack(stack, guarded_secrets=[{'name': 'api_token', 'value': 'supersecret1'}])
    problems = ' '.join(plan['problems'])
    assert 'Stack lab, services.web.environment.P: comes from Ansible Vault' in problems
    assert 'service web holds the value of secret api_token' not in problems  # not reached: vault stops first
    plan = plan_stack({'name': 'lab', 'services': {'web': {'image': 'a', 'environment': {'T': 'supersecret1'}}}},
                      guarded_secrets=[{'name': 'api_token', 'value': 'supersecret1'}])
    assert any('holds the value of secret api_token' in p for p in plan['problems'])
    assert not any('supersecret1' in p for p in plan['problems'])


@pytest.mark.parametrize('stack, message', [
    ({'name': 'bad name', 'services': {}}, "the name 'bad name' is not a valid stack name"),
    ({'name': 'a', 'compose': ['x'], 'services': {}}, 'give exactly one of compose'),
    ({'name': 'a'}, 'give exactly one of compose'),
    ({'name': 'a', 'state': 'gone'}, "'gone' is not one of present, absent"),
    ({'name': 'a', 'services': {}, 'composse': []}, 'unknown keys composse'),
    ({'name': 'a', 'services': {}, 'resolve_image': 'sometimes'}, "'sometimes' is not one of always"),
    ({'name': 'a', 'services': {}}, 'defines no service'),
])
def test_stack_entries_are_checked(stack, message):
    assert any(message in p for p in plan_stack(stack)['problems']), plan_stack(stack)['problems']


def test_an_absent_stack_needs_nothing_but_its_name():
    plan = plan_stack({'name': 'old', 'state': 'absent'})
    assert plan['problems'] == [] and plan['document'] is None and plan['state'] == 'absent'


def test_needs_ipvs_lists_vip_services_and_ingress_ports():
    document = {'services': {
        'vip': {'image': 'a'},
        'ingress': {'image': 'a', 'deploy': {'endpoint_mode': 'dnsrr'}, 'ports': ['80:80']},
        'fine': {'image': 'a', 'deploy': {'endpoint_mode': 'dnsrr'}, 'ports': [{'target': 80, 'mode': 'host'}]},
    }}
    assert compose_plan(document)['needs_ipvs'] == [
        'dev_vip (endpoint_mode vip)', 'dev_ingress (ingress ports)']


def test_cross_stack_problems():
    a = compose_plan({'services': {'s': {'image': 'a'}}, 'networks': {'shared': {}, 'overlay': {'name': 'internal'}}})
    b = compose_plan({'services': {'s': {'image': 'a'}}, 'networks': {'x': {'name': 'dev_shared'}}}, stack={'name': 'other'})
    c = compose_plan({'services': {'s': {'image': 'a'}}})
    cross_stack_problems([a, b, c], overlay_names=['internal'])
    assert any('creates network internal, which swarm_networks_overlays creates too' in p for p in a['problems'])
    assert any('Stack other creates network dev_shared, which stack dev creates too' in p for p in b['problems'])
    assert 'Stack dev is listed more than once in swarm_stacks.' in c['problems']


def test_plain_data_gives_plain_dicts_and_lists_all_the_way_down():
    class Lazy(dict):
        pass

    class LazyList(list):
        pass

    value = plain_data(Lazy(a=LazyList([Lazy(b=(1, 2))]), c='x'))
    assert value == {'a': [{'b': [1, 2]}], 'c': 'x'}
    assert [value.__class__, value['a'].__class__, value['a'][0].__class__] == [dict, list, dict]
